"""Helpers of benchmarks/scale_run.py: day split, the DuckDB floor, child-process steps, the report."""
