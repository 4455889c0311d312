"""The drift report: a client of the server sending the same probes to two servers; never on the request path."""
