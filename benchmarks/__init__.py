"""Benchmarks: python -m benchmarks (make bench). Figures are printed, never asserted."""
