"""The same ``evaluate`` under sktime's parallel backends: wall times and scores.

``python -m informer_sk.benchmarks.parallel [--csv PATH] [--tiny]`` runs one rolling
evaluation (``folds`` expanding-window folds, each fitting a small Informer and
forecasting ``pred_len`` hours) four times:

1. ``backend=None``: one process, every core's thread for torch;
2. ``backend="loky"``, ``n_jobs=1``: joblib runs a single job in the calling process,
   so this shows the backend's own overhead;
3. ``backend="loky"``, ``n_jobs=2``: two worker processes, each with
   ``cores // 2`` torch threads (``n_threads``), so workers times threads = cores;
4. ``backend="dask"`` on a ``distributed.LocalCluster`` of 2 worker processes (one
   dask thread each, ``cores // 2`` torch threads), when dask is installed.

It prints the wall times side by side, worker start-up included, and checks that
every backend's scores agree with the sequential one's (up to float rounding: a
different torch thread count may sum in another order). Without ``--csv`` the data
is a synthetic hourly series; with it, an ETT-format CSV (a ``date`` column) read by
:func:`informer_sk.datasets.load_csv`.
"""

__all__ = ["backends", "main", "run", "synthetic_series"]

import argparse
import contextlib
import logging
import os
import time

import numpy as np
import pandas as pd
from sktime.forecasting.model_evaluation import evaluate
from sktime.performance_metrics.forecasting import MeanAbsoluteError, MeanSquaredError
from sktime.split import ExpandingWindowSplitter

from informer_sk.datasets import load_csv
from informer_sk.forecaster import InformerForecaster

logger = logging.getLogger(__name__)

# a small Informer: minutes per fold on 2 busy cores, not hours
SMALL = dict(
    seq_len=96, label_len=48, d_model=64, n_heads=4, d_ff=128, train_epochs=2,
    batch_size=32, validation_size=0.1, random_state=0, device="cpu",
)  # fmt: skip
TINY = dict(
    seq_len=8, label_len=4, d_model=8, n_heads=2, d_ff=16, e_layers=1, train_epochs=1,
    batch_size=16, validation_size=0, random_state=0, device="cpu",
)  # fmt: skip


def synthetic_series(n_rows, seed=0):
    """A noisy daily-seasonal hourly series named "OT"."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows)
    values = 10 + 3 * np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 168) + rng.normal(0, 0.3, n_rows)
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=n_rows, freq="h"), name="OT")


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def backends(cores=None):
    """The runs to compare: label, evaluate's backend and params, workers, torch threads each."""
    cores = cores or _cores()
    half = max(1, cores // 2)
    return [
        {"label": "sequential (backend=None)", "backend": None, "params": None, "workers": 1, "threads": cores},
        {"label": "loky, n_jobs=1", "backend": "loky", "params": {"n_jobs": 1}, "workers": 1, "threads": cores},
        {"label": "loky, n_jobs=2", "backend": "loky", "params": {"n_jobs": 2}, "workers": 2, "threads": half},
        {"label": "dask LocalCluster, 2 workers", "backend": "dask", "params": None, "workers": 2, "threads": half},
    ]  # fmt: skip


@contextlib.contextmanager
def _dask_client(n_workers):
    """A LocalCluster of ``n_workers`` processes, one dask thread each, as the default client."""
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster):
        yield


def _dask_available():
    try:
        import dask.dataframe  # noqa: F401 -- evaluate's dask backend needs it
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def run(y, informer_params, folds, pred_len, runs=None):
    """Evaluate the same forecaster under every run of ``runs`` (default :func:`backends`).

    Returns
    -------
    list of dict
        Per run: its entries from :func:`backends`, plus ``seconds`` (wall time of
        ``evaluate``) and ``scores`` (``(folds, 2)`` array of MSE and MAE per fold,
        by cutoff), or ``skipped`` with the reason.
    """
    fh = np.arange(1, pred_len + 1)
    cv = ExpandingWindowSplitter(fh=fh, initial_window=len(y) - folds * pred_len, step_length=pred_len)
    scoring = [MeanSquaredError(), MeanAbsoluteError()]
    rows = []
    for spec in runs or backends():
        row = dict(spec)
        if spec["backend"] == "dask" and not _dask_available():
            row["skipped"] = "dask is not installed: pip install 'dask[dataframe,distributed]'"
            rows.append(row)
            continue
        forecaster = InformerForecaster(**{**informer_params, "n_threads": spec["threads"]})
        client = _dask_client(spec["workers"]) if spec["backend"] == "dask" else contextlib.nullcontext()
        with client:
            start = time.perf_counter()
            results = evaluate(forecaster, cv, y, scoring=scoring, backend=spec["backend"], backend_params=spec["params"])
            row["seconds"] = time.perf_counter() - start
        results = results.sort_values("cutoff")
        row["scores"] = results[["test_MeanSquaredError", "test_MeanAbsoluteError"]].to_numpy(np.float64)
        logger.info("%s: %.1f s", spec["label"], row["seconds"])
        rows.append(row)
    return rows


def _table(rows):
    reference = rows[0]
    lines = [
        "| backend | workers x torch threads | wall s | speed-up vs sequential | max rel. score difference |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['label']} | - | skipped: {row['skipped']} | - | - |")
            continue
        diff = np.max(np.abs(row["scores"] - reference["scores"]) / np.abs(reference["scores"]))
        lines.append(
            f"| {row['label']} | {row['workers']} x {row['threads']} | {row['seconds']:.1f} | "
            f"{reference['seconds'] / row['seconds']:.2f}x | {diff:.1e} |"
        )
    return "\n".join(lines)


def scores_agree(rows, rtol=1e-3):
    """Whether every run's scores equal the first run's, up to float rounding.

    At the same torch thread count the runs are bit-identical; with another count the
    sums inside matrix products add in another order, and a few epochs of training
    carry those last-bit differences to about 1e-4 of a score (5.8e-5 measured on
    ETTh2), hence the tolerance.
    """
    done = [r for r in rows if "skipped" not in r]
    return all(np.allclose(r["scores"], done[0]["scores"], rtol=rtol, atol=0) for r in done)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.parallel",
        description="One evaluate under backend None, loky (1 and 2 jobs) and dask: wall times and scores.",
    )
    parser.add_argument("--csv", help="an ETT-format CSV (a 'date' column); default: synthetic hourly data")
    parser.add_argument("--target", default="OT", help="the column to forecast (default OT)")
    parser.add_argument("--rows", type=int, default=2000, help="use the last ROWS rows (default 2000)")
    parser.add_argument("--folds", type=int, default=4, help="expanding-window folds (default 4)")
    parser.add_argument("--pred-len", type=int, default=24, help="forecast horizon in steps (default 24)")
    parser.add_argument("--tiny", action="store_true", help="a tiny model and series, for CI: seconds per run")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.tiny:
        y, params, folds, pred_len = synthetic_series(80), TINY, 2, 3
    else:
        y = load_csv(args.csv, target=args.target) if args.csv else synthetic_series(args.rows)
        y, params, folds, pred_len = y.iloc[-args.rows :], SMALL, args.folds, args.pred_len
    cores = _cores()
    print("# informer_sk parallel backends\n")
    print(f"- {cores} cores, load average (1, 5, 15 min) at start: {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}")
    print(f"- data: {args.csv or 'synthetic hourly'}, {len(y)} rows; {folds} folds of {pred_len} steps")
    print(f"- Informer: {params}\n")
    rows = run(y, params, folds, pred_len, backends(cores))
    print(_table(rows))
    agree = scores_agree(rows)
    print(f"\nscores agree with the sequential run: {'yes' if agree else 'NO'}")
    return rows


if __name__ == "__main__":
    main()
