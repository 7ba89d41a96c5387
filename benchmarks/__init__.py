"""Benchmarks: ``python -m benchmarks`` (or ``nox -s bench``, which installs the peers).

Each case runs its sides alternately for several rounds, reports min/median/max per call and
the median ratio against the case's baseline, and writes everything to
``benchmarks/results/latest.json``. Ratios, not absolute times: machines are noisy.
"""
