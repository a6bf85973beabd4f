"""Calibration of interval and quantile forecasts on an ETT-format CSV, paper protocol.

``python -m informer_sk.benchmarks.calibration PATH [--quick]`` splits and z-scores the
data as :mod:`informer_sk.benchmarks.accuracy` does (Zhou et al. 2021: 12/4/4 months of
30 days, training rows' mean and standard deviation), task S (``OT`` from itself), one
horizon (24 by default), and reports for every model, on the z-scale:

- the empirical coverage of its central 50%, 80% and 95% intervals;
- the mean pinball loss over the levels 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
  0.975;
- an approximate CRPS: twice the mean pinball loss over the 39 levels 0.025, 0.05, ...,
  0.975 (CRPS is twice the integral of the pinball loss over all levels in (0, 1); the
  grid leaves out the tails, where the loss is smallest, so the figure reads a little
  high, 0.58 for a perfect standard Normal forecast whose exact CRPS is 0.564, and
  the same way for every model).

Models:

- ``InformerForecaster`` with ``loss="quantile"`` and with ``loss="normal"``, fitted on
  the training and validation rows with early stopping on the validation rows; every
  test window goes through the network in batches;
- sktime's ``ConformalIntervals`` around ``NaiveForecaster(strategy="last")`` and around
  seasonal naive (sp = one day): calibrated once on the ``CALIBRATION_DAYS`` days
  before the test rows, then moved from window to window by ``update`` without refitting
  (split conformal);
- sktime's ``AutoETS`` (additive, seasonal with sp = one day) with its own intervals,
  refitted per window on the ``CALIBRATION_DAYS`` days before it.

The classic models run on every ``stride``-th test window only (printed); the Informer
rows are given on every window and on those same strided windows.
"""

__all__ = ["CRPS_LEVELS", "PINBALL_LEVELS", "main", "run", "scores"]

import argparse
import logging
import os
import time
import warnings

import numpy as np

from informer_sk.benchmarks.accuracy import paper_split, rows_per_day, window_truth
from informer_sk.benchmarks.models import informer_windows_forecast
from informer_sk.datasets import load_csv

logger = logging.getLogger(__name__)

COVERAGES = (0.5, 0.8, 0.95)
PINBALL_LEVELS = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)
CRPS_LEVELS = tuple(float(a) for a in np.round(np.arange(1, 40) * 0.025, 3))  # 0.025..0.975
CALIBRATION_DAYS = 14


def _pinball(quantiles, truth, levels):
    error = truth[..., None] - quantiles  # (..., A)
    levels = np.asarray(levels)
    return float(np.maximum(levels * error, (levels - 1) * error).mean())


def scores(quantiles, truth):
    """Coverage, pinball loss and approximate CRPS of quantile forecasts.

    Parameters
    ----------
    quantiles : np.ndarray
        (..., len(CRPS_LEVELS)) forecasts at the levels ``CRPS_LEVELS``.
    truth : np.ndarray
        (...) observed values.

    Returns
    -------
    dict
        ``coverage_50``, ``coverage_80``, ``coverage_95``, ``pinball``, ``crps``.

    Examples
    --------
    >>> from scipy.stats import norm
    >>> truth = np.random.default_rng(0).normal(size=20_000)
    >>> q = np.broadcast_to(norm.ppf(CRPS_LEVELS), (20_000, len(CRPS_LEVELS)))
    >>> result = scores(q, truth)
    >>> round(result["coverage_80"], 2), round(result["crps"], 2)  # the exact CRPS: 0.564
    (0.81, 0.58)
    """
    column = {a: i for i, a in enumerate(CRPS_LEVELS)}
    result = {}
    for c in COVERAGES:
        lower = quantiles[..., column[round(0.5 - c / 2, 3)]]
        upper = quantiles[..., column[round(0.5 + c / 2, 3)]]
        result[f"coverage_{round(100 * c)}"] = float(np.mean((lower <= truth) & (truth <= upper)))
    pinball_columns = [column[a] for a in PINBALL_LEVELS]
    result["pinball"] = _pinball(quantiles[..., pinball_columns], truth, PINBALL_LEVELS)
    result["crps"] = 2 * _pinball(quantiles, truth, CRPS_LEVELS)
    return result


def _conformal_windows(inner, data, starts, seq_len, pred_len, calibration_rows):
    """Split-conformal quantiles: calibrated once before the first window, then updated."""
    from sktime.forecasting.conformal import ConformalIntervals

    first_end = starts[0] + seq_len  # first forecast row of the first window
    forecaster = ConformalIntervals(inner, initial_window=calibration_rows // 2)
    forecaster.fit(data.iloc[first_end - calibration_rows : first_end], fh=np.arange(1, pred_len + 1))
    out, known = [], first_end
    for start in starts:
        end = start + seq_len
        if end > known:
            forecaster.update(data.iloc[known:end], update_params=False)
            known = end
        out.append(forecaster.predict_quantiles(alpha=list(CRPS_LEVELS)).to_numpy())
    return np.stack(out)  # (N, pred_len, A), one column


def _ets_windows(data, starts, seq_len, pred_len, context, sp):
    """AutoETS refitted per window on the ``context`` rows before it, its own quantiles."""
    from sktime.forecasting.ets import AutoETS

    out = []
    for start in starts:
        end = start + seq_len
        ets = AutoETS(auto=True, sp=sp, n_jobs=1) if sp > 1 else AutoETS(auto=True, n_jobs=1)
        ets.fit(data.iloc[max(0, end - context) : end], fh=np.arange(1, pred_len + 1))
        out.append(ets.predict_quantiles(alpha=list(CRPS_LEVELS)).to_numpy())
    return np.stack(out)


def run(frame, pred_len, informer_params, stride, seed=0, target="OT"):
    """Score every model on the paper's test windows of ``target``.

    Returns
    -------
    list of dict
        One row per model: ``model``, ``n_windows``, ``seconds`` and :func:`scores`.
    """
    from sktime.forecasting.naive import NaiveForecaster

    from informer_sk.forecaster import InformerForecaster

    train_end, val_end, test_end = paper_split(frame.index)
    frame = frame.iloc[:test_end]
    mean, std = frame.iloc[:train_end].mean(), frame.iloc[:train_end].std(ddof=0)
    data = ((frame - mean) / std)[[target]]  # the paper's z-scale, task S
    sp = rows_per_day(data.index)
    seq_len = informer_params.get("seq_len", 96)
    starts = np.arange(val_end - seq_len, test_end - seq_len - pred_len + 1)
    sub = np.arange(0, len(starts), stride)
    truth = window_truth(data.to_numpy(), starts, seq_len, pred_len)[..., 0]  # (N, pred_len)
    rows = []

    def add(model, quantiles, seconds, idx=slice(None)):
        rows.append(dict(model=model, n_windows=len(quantiles), seconds=seconds,
                         **scores(quantiles, truth[idx])))  # fmt: skip

    for loss in ("quantile", "normal"):
        t = time.perf_counter()
        forecaster = InformerForecaster(**{**informer_params, "loss": loss, "random_state": seed})
        forecaster.fit(data.iloc[:val_end], fh=np.arange(1, pred_len + 1))
        q = informer_windows_forecast(forecaster, data, starts, alpha=CRPS_LEVELS)[:, :, 0]
        seconds = time.perf_counter() - t
        add(f"InformerForecaster (loss={loss!r})", q, seconds)
        add(f"InformerForecaster (loss={loss!r}), every {stride}th window", q[sub], seconds, sub)
        logger.info("Informer %s done", loss)

    calibration_rows = CALIBRATION_DAYS * sp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, inner in (
            ("naive last", NaiveForecaster(strategy="last")),
            (f"seasonal naive (sp={sp})", NaiveForecaster(strategy="last", sp=sp)),
        ):
            t = time.perf_counter()
            q = _conformal_windows(inner, data, starts[sub], seq_len, pred_len, calibration_rows)
            add(f"ConformalIntervals({name}), every {stride}th window", q, time.perf_counter() - t, sub)
            logger.info("conformal %s done", name)
        t = time.perf_counter()
        q = _ets_windows(data, starts[sub], seq_len, pred_len, calibration_rows, sp)
        add(f"AutoETS (sp={sp}), every {stride}th window", q, time.perf_counter() - t, sub)
    return rows


def _table(rows):
    lines = [
        "| model | 50% coverage | 80% coverage | 95% coverage | pinball | CRPS (approx.) | windows | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['coverage_50']:.3f} | {r['coverage_80']:.3f} | "
            f"{r['coverage_95']:.3f} | {r['pinball']:.4f} | {r['crps']:.4f} | "
            f"{r['n_windows']} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.calibration",
        description="Coverage, pinball loss and CRPS of interval forecasts, paper protocol.",
    )
    parser.add_argument("path", help="ETT-format CSV (a 'date' column, then the series; target 'OT')")
    parser.add_argument("--quick", action="store_true", help="a small Informer, fewer classic windows: minutes")
    parser.add_argument("--horizon", type=int, default=24, help="steps forecast (default 24)")
    parser.add_argument("--stride", type=int, help="classic models on every STRIDE-th window (default 48; 240 with --quick)")
    parser.add_argument("--epochs", type=int, help="Informer's train_epochs (default 6; 1 with --quick)")
    parser.add_argument("--revin", action="store_true", help="Informer with revin=True")
    return parser


# the paper's model and training; --quick shrinks the model, the input and the epochs
# further than the accuracy benchmark's --quick, which overran its budget under load
PAPER_INFORMER = dict(seq_len=96, label_len=48, train_epochs=6, patience=3, validation_size=0.25, device="cpu")
QUICK_INFORMER = dict(
    seq_len=48, label_len=24, d_model=32, n_heads=2, d_ff=64, train_epochs=1, batch_size=128,
    learning_rate=1e-3, validation_size=0.25, device="cpu",
)  # fmt: skip


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    frame = load_csv(args.path)
    params, stride = (QUICK_INFORMER, 240) if args.quick else (PAPER_INFORMER, 48)
    stride = args.stride or stride
    params = {**params, **({"train_epochs": args.epochs} if args.epochs else {}),
              **({"revin": True} if args.revin else {})}  # fmt: skip
    t = time.perf_counter()
    rows = run(frame, args.horizon, params, stride)
    print(f"# Calibration, paper protocol, task S, horizon {args.horizon}: {args.path}\n")
    print(f"- InformerForecaster parameters: {params}, seed 0")
    print(f"- classic models on every {stride}th test window; conformal calibrated on the "
          f"{CALIBRATION_DAYS} days before the test rows, AutoETS refitted per window on "
          f"the {CALIBRATION_DAYS} days before it")  # fmt: skip
    print("- CRPS approximated by 2 x mean pinball loss over the levels 0.025, 0.05, ..., 0.975")
    print(f"- load average at end: {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}; "
          f"total {time.perf_counter() - t:.0f} s\n")  # fmt: skip
    print(_table(rows))


if __name__ == "__main__":
    main()
