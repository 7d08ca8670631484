"""Benchmarks: ``python -m bench.run`` (scale, issue 6) and ``python -m bench.search_engines``."""
