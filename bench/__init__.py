"""Benchmarks (`make bench`): each prints JSON and writes it to bench/results/.

Every benchmark runs its own baseline in the same run, so ratios stay meaningful on a noisy
machine. Timings live here, never as assertions in tests.
"""
