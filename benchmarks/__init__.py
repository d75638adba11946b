"""Benchmarks of fragility_core (run from the repository root: python -m benchmarks.<name>)."""
