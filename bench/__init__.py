"""Benchmarks: tinygrad_edu against hand-written numpy, interleaved in one process."""
