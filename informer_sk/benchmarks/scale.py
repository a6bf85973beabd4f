"""Scale of one global network over many series: time and peak memory of each stage.

``python -m informer_sk.benchmarks.scale [--tiny] [--series N ...] [--length T] [--steps S]
[--malloc {inherit,tuned,both}]``

For synthetic hourly panels of 100, 1,000 and 10,000 series of about 2,000 points each
(lengths within 10% below ``--length``, start dates spread over a quarter), univariate
and with two exogenous columns, it measures through the public API, at a CPU size
(d_model 16, two heads, d_ff 32, seq_len 96, label_len 48, 24 steps ahead, batch 1024):

1. prepare: ``fit``'s work before the training loop (checks, splitting the panel,
   frequency, scaling statistics, calendar fields, the tensors on the device);
2. train: ``--steps`` training steps on windows drawn evenly over the whole panel
   (seconds per step, and one epoch over every training window estimated from it),
   then the same steps with ``activation_checkpointing=True`` ("recomputed");
3. predict: ``predict`` of every series (with the exogenous columns' future values).

The training loop is reached through a wrapper around ``training.train_network`` that
marks where preparing ends and trains the fixed number of steps, without the
validation pass. Every configuration runs in a fresh process; peak memory is the
growth of the process's peak resident set size (``VmHWM``, reset through
``/proc/self/clear_refs`` before each stage) over its size before the stage, so it
counts torch's allocations too; memory freed before the stage is first handed back to
the system (glibc's ``malloc_trim``), so that a stage cannot reuse it unseen. The
growth exponent of each stage is the log-log slope of its figure against the number
of series; the table puts the targets beside them.

``--malloc tuned`` runs every configuration with glibc's malloc tuned for big training
steps (``GLIBC_TUNABLES``, ``TUNED_MALLOC``: blocks over 1 MiB mapped on their own,
returned to the system when freed, on transparent huge pages); ``both`` prints a table
for each, the environment's allocator first.
"""

__all__ = ["main", "measure", "synthetic_panel"]

import argparse
import ctypes
import functools
import gc
import importlib
import multiprocessing
import os
import time

import numpy as np
import pandas as pd
import torch

import informer_sk.forecaster as forecaster_module
from informer_sk.benchmarks.attention import growth_exponent
from informer_sk.benchmarks.machine import cpu_model, load_average
from informer_sk.forecaster import InformerForecaster

NETWORK = dict(seq_len=96, label_len=48, d_model=16, n_heads=2, d_ff=32, batch_size=1024,
               train_epochs=1, random_state=0, device="cpu")  # fmt: skip
HORIZON = 24
SERIES = (100, 1000, 10000)
# the targets of the table: seconds to prepare 10,000 series and to predict them all,
# peak memory as a multiple of the raw float64 data (plus the model), growth exponent
GOALS = {"prepare_s": 30.0, "predict_s": 60.0, "memory_ratio": 3.0, "exponent": 1.0}
TINY = dict(series=(4, 16), length=200, steps=2,
            network=dict(NETWORK, seq_len=24, label_len=12, batch_size=32))  # fmt: skip
MIB = 2**20
# glibc >= 2.35; read when a process starts, so only the fresh processes get it
TUNED_MALLOC = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=1048576"


def synthetic_panel(n_series, length, n_exog=0, horizon=HORIZON, seed=0):
    """An hourly ``pd-multiindex`` panel, its exogenous columns and their future values.

    Series ``i`` has ``length - U(0, length // 10)`` points from a start within the
    first quarter of 2022: a daily cycle of its own level and amplitude, plus noise.

    Returns
    -------
    y : pd.DataFrame
        Column ``y``; index (``series``, ``time``).
    X, X_future : pd.DataFrame or None
        ``n_exog`` columns ``x0``, ... on the index of ``y``, and at the ``horizon``
        hours after each series' end; None without exogenous columns.
    """
    rng = np.random.default_rng(seed)
    lengths = length - rng.integers(0, max(length // 10, 1), n_series)
    starts = rng.integers(0, 24 * 90, n_series)  # hours after 2022-01-01

    def rows(n_rows):  # series number and hour of every row, series after series
        series = np.repeat(np.arange(n_series), n_rows)
        hours = np.arange(n_rows.sum()) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
        return series, hours + np.repeat(starts, n_rows)

    def index(series, hours):
        time_ = pd.DatetimeIndex(np.datetime64("2022-01-01T00", "h") + hours.astype("timedelta64[h]"))
        return pd.MultiIndex.from_arrays([series, time_], names=["series", "time"])

    series, hours = rows(lengths)
    level, amplitude = rng.uniform(5, 50, n_series), rng.uniform(0.5, 5, n_series)
    cycle = np.sin(2 * np.pi * hours / 24)
    values = np.repeat(level, lengths) + np.repeat(amplitude, lengths) * cycle
    y = pd.DataFrame({"y": values + rng.standard_normal(len(values))}, index=index(series, hours))
    if not n_exog:
        return y, None, None
    all_series, all_hours = rows(lengths + horizon)
    exog = {f"x{j}": np.cos(2 * np.pi * all_hours / (24 * (j + 2))) for j in range(n_exog)}
    X_all = pd.DataFrame(exog, index=index(all_series, all_hours))
    future = (all_hours - np.repeat(starts, lengths + horizon)) >= np.repeat(lengths, lengths + horizon)
    return y, X_all[~future], X_all[future]


def _rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _release_freed():
    """Hand the memory freed so far back to the system (glibc's ``malloc_trim``).

    Without it the heap keeps what earlier stages freed, counted in the size before a
    stage, and the stage's allocations reuse it unseen: its peak would depend on what
    ran before it.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _reset_peak():
    """Reset the kernel's peak RSS to the current RSS; return the current RSS."""
    gc.collect()
    _release_freed()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _rss()


def _peak():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) * 1024


def measure(n_series, n_exog, length, steps, network=NETWORK, threads=None):
    """Time and peak memory growth of prepare, ``steps`` training steps and predict.

    Returns
    -------
    dict
        ``series``, ``exog``, ``raw_bytes`` (the float64 values of y and X),
        ``model_bytes`` (weights, gradients and Adam's two moments), ``windows`` (of
        training), ``{stage}_s`` / ``{stage}_peak`` for prepare, train and predict,
        and ``glibc_tunables`` (the process's ``GLIBC_TUNABLES``, or None).
    """
    if threads:
        torch.set_num_threads(threads)
    # the first fused Adam imports torch._dynamo, seconds once per process: not a cost
    # that grows with anything measured here
    importlib.import_module("torch._dynamo")

    y, X, X_future = synthetic_panel(n_series, length, n_exog)
    result = {"series": n_series, "exog": n_exog, "raw_bytes": y.size * 8 + (0 if X is None else X.size * 8),
              "glibc_tunables": os.environ.get("GLIBC_TUNABLES")}  # fmt: skip
    train_network = forecaster_module.train_network

    def fixed_steps(net, train, val=None, **settings):
        result["prepare_s"] = time.perf_counter() - started
        result["prepare_peak"] = _peak() - before
        result["windows"] = len(train)
        result["model_bytes"] = 4 * 4 * sum(p.numel() for p in net.parameters())
        picked = torch.linspace(0, len(train) - 1, steps * settings["batch_size"]).long()
        drawn = forecaster_module.Windows(train.series, train.starts[picked], train.seq_len,
                                          train.label_len, train.pred_len)  # fmt: skip
        # each step takes a contiguous run of the evenly drawn windows: not shuffled,
        # which costs the same; then the same steps with activation checkpointing
        for stage, recompute in (("train", False), ("recomputed", True)):
            base = _reset_peak()
            t = time.perf_counter()
            history = train_network(net, drawn, None, **{**settings, "epochs": 1,
                                                         "activation_checkpointing": recompute})  # fmt: skip
            result[f"{stage}_s"] = time.perf_counter() - t
            result[f"{stage}_peak"] = _peak() - base
        return history

    forecaster = InformerForecaster(**network)
    forecaster_module.train_network = fixed_steps
    try:
        before = _reset_peak()
        started = time.perf_counter()
        forecaster.fit(y, X=X, fh=np.arange(1, HORIZON + 1))
    finally:
        forecaster_module.train_network = train_network
    del y, X
    before = _reset_peak()
    started = time.perf_counter()
    forecast = forecaster.predict(X=X_future)
    result["predict_s"] = time.perf_counter() - started
    result["predict_peak"] = _peak() - before
    assert len(forecast) == n_series * HORIZON and np.isfinite(forecast.to_numpy()).all()
    result["step_s"] = result["train_s"] / steps
    result["recomputed_step_s"] = result["recomputed_s"] / steps
    result["epoch_s"] = result["step_s"] * result["windows"] / network["batch_size"]
    return result


def _measure_fresh(args, tunables=None):
    """:func:`measure` in a fresh process, so no earlier configuration's memory is reused;
    with ``tunables``, its ``GLIBC_TUNABLES``."""
    saved = os.environ.get("GLIBC_TUNABLES")
    if tunables is not None:
        os.environ["GLIBC_TUNABLES"] = tunables
    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            return pool.apply(measure, args)
    finally:
        if saved is None:
            os.environ.pop("GLIBC_TUNABLES", None)
        else:
            os.environ["GLIBC_TUNABLES"] = saved


STAGES = ("prepare", "train", "predict")


def table(results):
    """The results as one markdown table, with a growth-exponent row per panel kind."""
    lines = [
        "| series | exog | raw data MiB | prepare s | prepare peak MiB | train s/step "
        "| epoch s (est.) | train peak MiB | predict s | predict peak MiB | worst peak / (3 x raw + model) "
        "| recomputed: train s/step | train peak MiB | worst peak / (3 x raw + model) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        allowance = GOALS["memory_ratio"] * r["raw_bytes"] + r["model_bytes"]
        worst = max(r[f"{stage}_peak"] for stage in STAGES)
        worst_recomputed = max(r[f"{stage}_peak"] for stage in ("prepare", "recomputed", "predict"))
        lines.append(
            f"| {r['series']:,} | {r['exog']} | {r['raw_bytes'] / MIB:.1f} | {r['prepare_s']:.2f} "
            f"| {r['prepare_peak'] / MIB:.0f} | {r['step_s']:.3f} | {r['epoch_s']:.0f} "
            f"| {r['train_peak'] / MIB:.0f} | {r['predict_s']:.2f} | {r['predict_peak'] / MIB:.0f} "
            f"| {worst / allowance:.2f} | {r['recomputed_step_s']:.3f} "
            f"| {r['recomputed_peak'] / MIB:.0f} | {worst_recomputed / allowance:.2f} |"
        )
    for n_exog in sorted({r["exog"] for r in results}):
        rows = [r for r in results if r["exog"] == n_exog]
        n = [r["series"] for r in rows]
        if len(set(n)) < 2:
            continue  # a slope needs two sizes

        def slope(key):
            return f"{growth_exponent(n, [r[key] for r in rows], min_length=0):.2f}"

        lines.append(
            f"| exponent | {n_exog} | {slope('raw_bytes')} | {slope('prepare_s')} "
            f"| {slope('prepare_peak')} | {slope('step_s')} | {slope('epoch_s')} "
            f"| {slope('train_peak')} | {slope('predict_s')} | {slope('predict_peak')} | "
            f"| {slope('recomputed_step_s')} | {slope('recomputed_peak')} | |"
        )
    lines.append(
        f"| target | | | < {GOALS['prepare_s']:.0f} at 10,000; exponent <= 1 | exponent <= 1 "
        "| constant | exponent <= 1 | exponent <= 1 "
        f"| < {GOALS['predict_s']:.0f} at 10,000; exponent <= 1 | exponent <= 1 | < 1 "
        "| constant | exponent <= 1 | < 1 |"
    )
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m informer_sk.benchmarks.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny panels and network: seconds, for a smoke test")
    parser.add_argument("--series", type=int, nargs="+", help=f"numbers of series (default {SERIES})")
    parser.add_argument("--length", type=int, help="points of the longest series (default 2000)")
    parser.add_argument("--steps", type=int, help="training steps timed per configuration (default 20)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--malloc", choices=("inherit", "tuned", "both"), default="inherit",
                        help="glibc's malloc as the environment sets it, tuned for big steps "
                        "(GLIBC_TUNABLES=TUNED_MALLOC), or a table for each (default: %(default)s)")  # fmt: skip
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    defaults = TINY if args.tiny else dict(series=SERIES, length=2000, steps=20, network=NETWORK)
    series = args.series or defaults["series"]
    length, steps = args.length or defaults["length"], args.steps or defaults["steps"]
    network = defaults["network"]
    print("# informer_sk scale benchmark\n")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores, torch {torch.__version__}, "
          f"{args.threads or torch.get_num_threads()} threads")  # fmt: skip
    print(f"- load average (1, 5, 15 min) at start: {load_average()}")
    print(f"- network: {network}, {HORIZON} steps ahead; {steps} training steps timed; "
          f"series of {length - length // 10 + 1} to {length} hourly points")  # fmt: skip
    results = []
    for malloc in ("inherit", "tuned") if args.malloc == "both" else (args.malloc,):
        if malloc == "inherit" and args.tiny:
            # in this process: a fresh one takes longer to start than a tiny configuration to run
            run = lambda config: measure(*config)  # noqa: E731
        else:
            run = functools.partial(_measure_fresh, tunables=TUNED_MALLOC if malloc == "tuned" else None)
        rows = [run((n_series, n_exog, length, steps, network, args.threads))
                for n_exog in (0, 2) for n_series in series]  # fmt: skip
        print(f"\n## malloc: {'GLIBC_TUNABLES=' + TUNED_MALLOC if malloc == 'tuned' else 'as the environment sets it'}\n")
        print(table(rows))
        results += rows
    print(f"\n- load average at end: {load_average()}")
    return results


if __name__ == "__main__":
    main()
