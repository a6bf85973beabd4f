"""Command-line benchmarks: ``python -m informer_sk.benchmarks.speed`` and ``.accuracy``.

Results and the commands that produced them are in ``docs/benchmarks.md``.
"""
