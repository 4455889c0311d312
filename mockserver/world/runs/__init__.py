"""Runs and the clock they move by: a run's steps, runs in progress, progress snapshots, schedule attribution."""
