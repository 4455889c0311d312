"""The fixture world: fixtures and their checks, generated items, runs that move with the clock, determinism."""
