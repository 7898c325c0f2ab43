"""Evaluation, ablation, corpus check and benchmarks: used by scripts and tests, never by serving code."""
