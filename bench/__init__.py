"""Benchmarks (not tests): `make bench` prints medians of many runs and ratios against a baseline."""
