"""The framework internals the sandbox relies on, and what only a real socket shows."""
