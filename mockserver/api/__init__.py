"""The mock stage: the handlers behind each operationId, parameter rules, authentication and the docs routes."""
