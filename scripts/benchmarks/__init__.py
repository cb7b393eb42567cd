"""The sections of scripts/benchmark.py, one module per related group."""
