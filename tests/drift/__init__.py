"""The drift report."""
