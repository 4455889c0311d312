"""For client test suites and CI: the jim_sandbox fixture, the served sandbox, mockserver verify."""
