"""Pretraining on a panel vs training from scratch, on a short series the network never saw.

``python -m informer_sk.benchmarks.pretrain [PATH]`` builds a panel and a held-out
series, then scores three forecasters with sktime's ``evaluate`` and an expanding-window
splitter on the held-out series, and prints their MAE side by side:

- **zero-shot**: pretrained on the panel, ``fine_tune_epochs=0``: each fold only hands
  the network the held-out series as context;
- **fine-tuned**: pretrained, then fine-tuned on each fold's training part;
- **scratch**: an ``InformerForecaster`` trained on each fold's training part only.

With an ETT-format CSV (e.g. ETTh2) the panel is made of the training months (the
paper's first 12 months of 30 days) cut into monthly pieces, one per column: every
column-month is one series, standardised on its own. The held-out series is a short
stretch of ``OT`` right after the training months. Without a path, a synthetic panel of
noisy daily cycles at different levels stands in.
"""

__all__ = ["compare", "ett_panel", "main", "synthetic_panel"]

import argparse
import logging

import numpy as np
import pandas as pd
from sktime.forecasting.model_evaluation import evaluate
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.split import ExpandingWindowSplitter

from informer_sk.datasets import load_csv
from informer_sk.forecaster import InformerForecaster

HOURS_PER_MONTH = 30 * 24

# a model the CPU trains in minutes; pretraining gets the epochs, fine-tuning a few
PARAMS = dict(
    seq_len=96, label_len=48, d_model=64, n_heads=4, d_ff=128, train_epochs=4,
    batch_size=64, learning_rate=1e-3, validation_size=0.1, device="cpu", random_state=0,
)  # fmt: skip


def ett_panel(frame, held_out_len=24 * 14):
    """Panel of the training months' column-months, and a short ``OT`` series after them.

    Returns
    -------
    panel : pd.DataFrame
        ``pd-multiindex`` frame with one column ``value``, index ``(series, time)``.
    held_out : pd.Series
        ``held_out_len`` points of ``OT`` after the 12 training months.
    """
    train_end = 12 * HOURS_PER_MONTH
    pieces = {}
    for column in frame.columns:
        for month in range(12):
            rows = frame[column].iloc[month * HOURS_PER_MONTH : (month + 1) * HOURS_PER_MONTH]
            pieces[f"{column}-m{month:02d}"] = rows.rename("value").to_frame()
    panel = pd.concat(pieces, names=["series", "time"])
    held_out = frame["OT"].iloc[train_end : train_end + held_out_len].rename("value")
    return panel, held_out


def synthetic_panel(n_series=8, length=400, held_out_len=200, seed=0):
    """Noisy daily cycles at different levels and phases, and one more held out."""
    rng = np.random.default_rng(seed)

    def cycle(n, level, phase):
        t = np.arange(n)
        values = level * (1 + 0.3 * np.sin(2 * np.pi * (t + phase) / 24))
        values = values + rng.normal(0, 0.05 * level, n)
        return pd.Series(values, index=pd.date_range("2021-01-01", periods=n, freq="h"))

    pieces = {
        f"s{i}": cycle(length, 10.0 ** rng.uniform(0, 3), rng.integers(24)).rename("value").to_frame()
        for i in range(n_series)
    }
    panel = pd.concat(pieces, names=["series", "time"])
    return panel, cycle(held_out_len, 42.0, 5).rename("value")


def compare(panel, held_out, fh, params, initial_window, step_length, fine_tune_epochs=2):
    """MAE of zero-shot, fine-tuned and from-scratch forecasters on ``held_out``.

    Returns
    -------
    pd.DataFrame
        One row per model: ``mae`` (mean over folds) and ``n_folds``.
    """
    cv = ExpandingWindowSplitter(initial_window=initial_window, step_length=step_length, fh=fh)
    # pretrained once: fine_tune_epochs only steers fine-tuning, so set_params keeps
    # the pretrained network, as in a grid search over it
    pretrained = InformerForecaster(**params).pretrain(panel, fh=fh)
    models = {
        "zero-shot": pretrained.clone().set_params(fine_tune_epochs=0),
        "fine-tuned": pretrained.clone().set_params(fine_tune_epochs=fine_tune_epochs),
        "scratch": InformerForecaster(**params),
    }
    rows = {}
    for name, forecaster in models.items():
        results = evaluate(forecaster, cv, held_out, scoring=MeanAbsoluteError())
        rows[name] = {"mae": results["test_MeanAbsoluteError"].mean(), "n_folds": len(results)}
    return pd.DataFrame.from_dict(rows, orient="index")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.pretrain",
        description="Pretrained (zero-shot, fine-tuned) vs from-scratch Informer on a short unseen series.",
    )
    parser.add_argument("path", nargs="?", help="ETT-format CSV; a synthetic panel without it")
    parser.add_argument("--horizon", type=int, default=24, help="steps ahead (default 24)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.path:
        panel, held_out = ett_panel(load_csv(args.path))
    else:
        panel, held_out = synthetic_panel()
    fh = list(range(1, args.horizon + 1))
    # the first fold needs training windows for the scratch and fine-tuned models
    initial = PARAMS["seq_len"] + args.horizon + 2 * args.horizon
    table = compare(panel, held_out, fh, PARAMS, initial, args.horizon)
    n_series = panel.index.get_level_values(0).nunique()
    print(f"# Pretraining: {args.path or 'synthetic panel'}\n")
    print(f"- panel: {n_series} series, {len(panel)} points; held-out series: {len(held_out)} points")
    print(f"- horizon {args.horizon}; InformerForecaster parameters: {PARAMS}\n")
    print("| model | MAE | folds |\n|---|---|---|")
    for name, row in table.iterrows():
        print(f"| {name} | {row['mae']:.4f} | {int(row['n_folds'])} |")


if __name__ == "__main__":
    main()
