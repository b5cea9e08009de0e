"""Performance benchmarks (run by hand, not by the test suite): `python -m benchmarks.bench`."""
