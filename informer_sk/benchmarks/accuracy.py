"""The Informer paper's accuracy comparison on an ETT-format CSV, with baselines beside it.

``python -m informer_sk.benchmarks.accuracy PATH [--quick]`` follows the paper's protocol
(Zhou et al. 2021, Sec. 5): the first 12 months train, the next 4 validate, the next 4
test (30-day months); every column is z-scored with the training rows' mean and standard
deviation; MSE and MAE are reported on that z-scale, over every test window (no window
dropped); horizons 24, 48, 168, 336, 720; task S forecasts ``OT`` from itself, task M
forecasts all columns from all columns.

Models, all on the same z-scored data and the same test windows:

- ``InformerForecaster`` (ProbSparse), fitted per task and horizon on the training and
  validation rows with early stopping on the validation rows; its test windows go
  through the fitted network in batches (:func:`informer_windows_forecast`), which gives
  what ``predict`` gives window by window;
- naive last value and seasonal naive (sp=24 steps a day for hourly data), vectorised
  over every window; the test suite checks them against sktime's ``NaiveForecaster``;
- sktime's ``ThetaForecaster`` after an additive ``Deseasonalizer`` (sp = one day), fitted per window on the last
  ``CLASSIC_CONTEXT_DAYS`` days before it: on every ``stride``-th window only, since each
  window is a separate fit (the stride is printed beside the figures).

The paper's published Informer figures for ETTh2 are printed beside for reference.
"""

__all__ = ["informer_windows_forecast", "main", "naive_forecasts", "paper_split", "run"]

import argparse
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd
import torch

from informer_sk.calendar import calendar_marks
from informer_sk.datasets import load_csv
from informer_sk.training import seeded
from informer_sk.windows import SeriesTensors, Windows

logger = logging.getLogger(__name__)

HORIZONS = (24, 48, 168, 336, 720)
CLASSIC_CONTEXT_DAYS = 14
# Zhou et al. (2021), Table 1 (S: univariate) and Table 2 (M: multivariate), Informer
# on ETTh2, (MSE, MAE) per horizon, as transcribed from the paper
PAPER_INFORMER_ETTH2 = {
    "S": {24: (0.093, 0.240), 48: (0.155, 0.314), 168: (0.232, 0.389), 336: (0.263, 0.417), 720: (0.277, 0.431)},
    "M": {24: (0.720, 0.665), 48: (1.457, 1.001), 168: (3.489, 1.515), 336: (2.723, 1.340), 720: (3.467, 1.473)},
}  # fmt: skip


def paper_split(index):
    """Row bounds (train_end, val_end, test_end) of 12/4/4 months of 30 days.

    Examples
    --------
    >>> paper_split(pd.date_range("2016-07-01", periods=17420, freq="h"))
    (8640, 11520, 14400)
    """
    rows_per_day = _rows_per_day(index)
    month = 30 * rows_per_day
    return 12 * month, 16 * month, 20 * month


def _rows_per_day(index):
    """Rows per day of a regular index (at least 1): the daily season of sub-daily data."""
    return max(1, int(pd.Timedelta(days=1) / (index[1] - index[0])))


def naive_forecasts(values, starts, seq_len, pred_len, sp):
    """Last-value and seasonal-naive forecasts of every window, vectorised.

    Parameters
    ----------
    values : np.ndarray
        (T, C) series.
    starts : np.ndarray
        (N,) first input row of each window; its last known row is ``start + seq_len - 1``.
    seq_len, pred_len : int
    sp : int
        Seasonal period, at most ``seq_len``.

    Returns
    -------
    last, seasonal : np.ndarray
        (N, pred_len, C) each.
    """
    last_known = starts + seq_len - 1  # (N,)
    last = np.repeat(values[last_known][:, None, :], pred_len, axis=1)  # (N, pred_len, C)
    # step h (1-based) repeats the value one season before: row t - sp + ((h - 1) mod sp) + 1
    lag_rows = last_known[:, None] - sp + 1 + np.arange(pred_len) % sp  # (N, pred_len)
    return last, values[lag_rows]


def informer_windows_forecast(forecaster, frame, starts, batch_size=256):
    """Forecasts of a fitted ``InformerForecaster`` for many windows in batches.

    Parameters
    ----------
    forecaster : InformerForecaster
        Fitted without exogenous data; every column of ``frame`` is a target.
    frame : pd.DataFrame
        The series, same columns and frequency as in fit.
    starts : np.ndarray
        (N,) first input row of each window in ``frame``.

    Returns
    -------
    np.ndarray
        (N, pred_len, C) forecasts on the scale of ``frame``.
    """
    scaler = forecaster.y_scaler_
    values = scaler.transform(frame.to_numpy(np.float64))
    series = SeriesTensors.from_arrays(
        values, None, calendar_marks(frame.index, forecaster.calendar_), forecaster.device_
    )
    windows = Windows(
        series, torch.as_tensor(starts), forecaster.seq_len, forecaster.label_len, forecaster.pred_len_
    )
    network, out = forecaster.network_.eval(), []
    with seeded(forecaster.seed_, forecaster.device_), torch.inference_mode():
        for first in range(0, len(windows), batch_size):
            idx = torch.arange(first, min(first + batch_size, len(windows)))
            out.append(network(*windows.batch(idx)[:4]).cpu().numpy())  # (b, pred_len, C)
    forecast = np.concatenate(out).astype(np.float64)
    return forecast * scaler.scale_ + scaler.mean_ if scaler.with_std else forecast


def _classic_forecasts(make_forecaster, frame, starts, seq_len, pred_len, context):
    """Per-window fits of an sktime forecaster on the ``context`` rows before each window's end."""
    out = []
    fh = np.arange(1, pred_len + 1)
    for start in starts:
        end = start + seq_len  # first forecast row
        history = frame.iloc[max(0, end - context) : end]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(make_forecaster().fit(history, fh=fh).predict().to_numpy())
    return np.stack(out)  # (N, pred_len, C)


def _theta(sp):
    """Theta on additively deseasonalised data: sktime's Theta deseasonalises
    multiplicatively, which the z-scale's negative values rule out."""
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime.transformations.series.detrend import Deseasonalizer

    theta = ThetaForecaster(deseasonalize=False)
    if sp == 1:
        return theta
    return TransformedTargetForecaster([("deseasonalize", Deseasonalizer(model="additive", sp=sp)), ("theta", theta)])


def _errors(forecast, truth):
    return float(np.mean((forecast - truth) ** 2)), float(np.mean(np.abs(forecast - truth)))


def _truth(values, starts, seq_len, pred_len):
    rows = starts[:, None] + seq_len + np.arange(pred_len)  # (N, pred_len)
    return values[rows]


def run(frame, horizons, tasks, informer_params, classic_stride, seeds=(0,), target="OT"):
    """Evaluate every model on the paper's test windows.

    Returns
    -------
    list of dict
        One row per (task, horizon, model): ``mse``, ``mae``, ``n_windows``, ``seconds``
        (fit and forecast), and for neural models ``mse_std``/``mae_std`` over seeds.
    """
    from informer_sk.forecaster import InformerForecaster

    train_end, val_end, test_end = paper_split(frame.index)
    frame = frame.iloc[:test_end]
    mean, std = frame.iloc[:train_end].mean(), frame.iloc[:train_end].std(ddof=0)
    frame = (frame - mean) / std  # the paper's z-scale, training statistics
    sp = _rows_per_day(frame.index)
    context = CLASSIC_CONTEXT_DAYS * sp
    seq_len = informer_params.get("seq_len", 96)
    rows = []
    for task in tasks:
        data = frame[[target]] if task == "S" else frame
        values = data.to_numpy()
        for pred_len in horizons:
            # every window whose target lies in the test rows
            starts = np.arange(val_end - seq_len, test_end - seq_len - pred_len + 1)
            truth = _truth(values, starts, seq_len, pred_len)

            def add(model, forecast, seconds, idx=slice(None), **extra):
                mse, mae = _errors(forecast, truth[idx])
                n = len(forecast)
                rows.append(dict(task=task, horizon=pred_len, model=model, mse=mse, mae=mae,
                                 n_windows=n, seconds=seconds, **extra))  # fmt: skip

            t = time.perf_counter()
            last, seasonal = naive_forecasts(values, starts, seq_len, pred_len, sp)
            seconds = time.perf_counter() - t
            add("naive last", last, seconds)
            add(f"naive seasonal (sp={sp})", seasonal, seconds)

            scores = []
            for seed in seeds:
                t = time.perf_counter()
                forecaster = InformerForecaster(**{**informer_params, "random_state": seed})
                forecaster.fit(data.iloc[:val_end], fh=np.arange(1, pred_len + 1))
                fit_s = time.perf_counter() - t
                forecast = informer_windows_forecast(forecaster, data, starts)
                scores.append((*_errors(forecast, truth), fit_s, time.perf_counter() - t - fit_s))
            mse, mae, fit_s, predict_s = np.array(scores).T
            rows.append(dict(task=task, horizon=pred_len, model="InformerForecaster",
                             mse=mse.mean(), mae=mae.mean(), mse_std=mse.std(), mae_std=mae.std(),
                             n_windows=len(starts), seconds=float(fit_s.mean() + predict_s.mean()),
                             fit_s=float(fit_s.mean()), predict_s=float(predict_s.mean()),
                             n_seeds=len(seeds)))  # fmt: skip

            sub = np.arange(0, len(starts), classic_stride)
            t = time.perf_counter()
            theta = _classic_forecasts(lambda: _theta(sp), data, starts[sub], seq_len, pred_len, context)
            add(f"Theta (additive sp={sp}), every {classic_stride}th window", theta, time.perf_counter() - t, sub)
            logger.info("task %s horizon %d done", task, pred_len)
    return rows


def _table(rows, paper):
    lines = ["| task | horizon | model | MSE | MAE | windows | seconds |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        std = lambda key: f" ± {r[key]:.3f}" if r.get(f"n_seeds", 1) > 1 else ""  # noqa: E731
        lines.append(
            f"| {r['task']} | {r['horizon']} | {r['model']} | {r['mse']:.3f}{std('mse_std')} | "
            f"{r['mae']:.3f}{std('mae_std')} | {r['n_windows']} | {r['seconds']:.1f} |"
        )
        last_of_block = r is rows[-1] or rows[rows.index(r) + 1]["horizon"] != r["horizon"]
        if paper and last_of_block and r["horizon"] in PAPER_INFORMER_ETTH2[r["task"]]:
            mse, mae = PAPER_INFORMER_ETTH2[r["task"]][r["horizon"]]
            lines.append(f"| {r['task']} | {r['horizon']} | Informer, paper (ETTh2) | {mse:.3f} | {mae:.3f} | - | - |")
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.accuracy",
        description="The Informer paper's accuracy protocol on an ETT-format CSV, with baselines.",
    )
    parser.add_argument("path", help="ETT-format CSV (a 'date' column, then the series; target 'OT')")
    parser.add_argument("--quick", action="store_true", help="task S, horizons 24 and 168, a small model: minutes")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per neural model (default 3; 1 with --quick)")
    return parser


# the paper's model and training (the original's defaults); --quick shrinks the model
PAPER_INFORMER = dict(seq_len=96, label_len=48, train_epochs=6, patience=3, validation_size=0.25, device="cpu")
QUICK_INFORMER = dict(
    seq_len=96, label_len=48, d_model=64, n_heads=4, d_ff=128, train_epochs=2, batch_size=64,
    learning_rate=1e-3, validation_size=0.25, device="cpu",
)  # fmt: skip


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    frame = load_csv(args.path)
    if args.quick:
        tasks, horizons, params, stride, seeds = ("S",), (24, 168), QUICK_INFORMER, 48, (0,)
    else:
        tasks, horizons, params, stride, seeds = ("S", "M"), HORIZONS, PAPER_INFORMER, 24, tuple(range(args.seeds))
    t = time.perf_counter()
    rows = run(frame, horizons, tasks, params, stride, seeds)
    paper = os.path.basename(args.path).startswith("ETTh2")
    print(f"# Accuracy, paper protocol: {args.path}\n")
    print(f"- InformerForecaster parameters: {params}, seeds {list(seeds)}")
    print(f"- load average at end: {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}; total {time.perf_counter() - t:.0f} s\n")
    print(_table(rows, paper))


if __name__ == "__main__":
    main()
