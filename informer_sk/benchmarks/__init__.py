"""The programs behind ``docs/benchmarks.md``, each run with ``python -m``.

- ``informer_sk.benchmarks.accuracy``: the paper's protocol on an ETT-format CSV, with
  naive, classic and neural models beside ours;
- ``informer_sk.benchmarks.speed``: the training step, predict latency, precision and
  compilation, on the CPU or a GPU;
- ``informer_sk.benchmarks.attention``: ProbSparse against full attention as the input
  grows;
- ``informer_sk.benchmarks.calibration``: coverage and pinball loss of the intervals;
- ``informer_sk.benchmarks.pretrain``: pretraining on a panel, then an unseen series;
- ``informer_sk.benchmarks.parallel``: sktime's parallel backends, 1 against 2 workers.

Results and the commands that produced them are in ``docs/benchmarks.md``.
"""
