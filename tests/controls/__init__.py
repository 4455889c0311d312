"""One layer each: the access log, the journal, faults, the rate limit, shared state in Redis, CORS and headers."""
