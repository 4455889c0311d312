"""For client test suites and CI: the sandbox served from a test process, jim_sandbox, `mockserver verify`."""
