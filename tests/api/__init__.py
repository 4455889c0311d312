"""The mock stage's own parts: parameter rules and the query parser, the caller, ASP.NET binding."""
