"""The Informer paper's accuracy comparison on an ETT-format CSV, with baselines beside it.

``python -m informer_sk.benchmarks.accuracy PATH [--quick]`` follows the paper's protocol
(Zhou et al. 2021, Sec. 5): the first 12 months train, the next 4 validate, the next 4
test (30-day months); every column is z-scored with the training rows' mean and standard
deviation; MSE and MAE are reported on that z-scale, over every test window (no window
dropped); horizons 24, 48, 168, 336, 720; task S forecasts ``OT`` from itself, task M
forecasts all columns from all columns. ``--protocol literature`` is the later
literature's (Autoformer onwards) on ETTh: the same split, input 96, horizons 96, 192,
336 and 720, task M.

Every model (``--models``, see :data:`informer_sk.benchmarks.models.MODELS`) sees the
same z-scored data and is scored on the same test windows: global models fit once on
the training and validation rows and forecast every window; classic models fit once
per window on the 14 days before it, on every ``stride``-th window only (printed). Neural
models run once per seed (``--seeds``) and report mean ± standard deviation. The paper's
published Informer figures for ETTh2 are printed beside ours.
"""

__all__ = ["main", "paper_split", "rows_per_day", "run", "table", "window_truth"]

import argparse
import ast
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd

from informer_sk.benchmarks.models import MODELS, Setting, available, naive_forecasts
from informer_sk.datasets import load_csv

logger = logging.getLogger(__name__)

# how the Informer turns several candidate settings into one forecast (``run``'s combine)
COMBINE = ("best", "mean", "weighted")
PROTOCOLS = {
    "paper": dict(horizons=(24, 48, 168, 336, 720), tasks=("S", "M"), seq_len=96, label_len=48),
    "literature": dict(horizons=(96, 192, 336, 720), tasks=("M",), seq_len=96, label_len=48),
}
# Zhou et al. (2021), Table 1 (S: univariate) and Table 2 (M: multivariate), Informer
# on ETTh2, (MSE, MAE) per horizon, as transcribed from the paper
PAPER_INFORMER_ETTH2 = {
    "S": {24: (0.093, 0.240), 48: (0.155, 0.314), 168: (0.232, 0.389), 336: (0.263, 0.417), 720: (0.277, 0.431)},
    "M": {24: (0.720, 0.665), 48: (1.457, 1.001), 168: (3.489, 1.515), 336: (2.723, 1.340), 720: (3.467, 1.473)},
}  # fmt: skip

# the paper's model and training (the original's defaults); --quick shrinks the model
PAPER_INFORMER = dict(train_epochs=6, patience=3, device="cpu")
QUICK_INFORMER = dict(d_model=64, n_heads=4, d_ff=128, train_epochs=2, batch_size=64, learning_rate=1e-3, device="cpu")
QUICK = dict(horizons=(24,), tasks=("S",), fit_months=4, stride=96, seeds=1)
QUICK_CUTS = (
    "task S only, horizon 24 only, 1 seed; Informer and neural baselines at d_model 64, 4 heads, "
    "d_ff 128, 2 epochs, batch 64, lr 1e-3, fitted on the last 4 months before the test rows "
    "(3 train, 1 validate) instead of 16; classic per-window models on every 96th test window"
)


SPLITS = {"paper": (12, 16, 20), "development": (8, 12, 16)}


def paper_split(index, split="paper"):
    """Row bounds (train_end, val_end, test_end) of 12/4/4 months of 30 days.

    ``split="development"`` ends the data where the paper's test months begin: 8
    training months, 4 validating, and the paper's 4 validation months as the test, to
    choose settings without the test months.

    Examples
    --------
    >>> paper_split(pd.date_range("2016-07-01", periods=17420, freq="h"))
    (8640, 11520, 14400)
    >>> paper_split(pd.date_range("2016-07-01", periods=17420, freq="h"), "development")
    (5760, 8640, 11520)
    """
    month = 30 * rows_per_day(index)
    return tuple(months * month for months in SPLITS[split])


def rows_per_day(index):
    """Rows per day of a regular index (at least 1): the daily season of sub-daily data."""
    return max(1, int(pd.Timedelta(days=1) / (index[1] - index[0])))


def _errors(forecast, truth):
    return float(np.mean((forecast - truth) ** 2)), float(np.mean(np.abs(forecast - truth)))


def window_truth(values, starts, seq_len, pred_len):
    rows = starts[:, None] + seq_len + np.arange(pred_len)  # (N, pred_len)
    return values[rows]


def run(frame, models, horizons, tasks, informer_params, stride, seeds=(0,), seq_len=96, label_len=48,
        fit_months=None, target="OT", informer_candidates=(), combine="best", split="paper"):  # fmt: skip
    """Evaluate ``models`` on the paper's split and test windows.

    Parameters
    ----------
    frame : pd.DataFrame
        ETT-format series (regular index, a ``target`` column), at least 20 months.
    models : list of str
        Keys of :data:`informer_sk.benchmarks.models.MODELS`.
    horizons, tasks : sequence
        Forecast lengths; ``"S"`` (``target`` from itself) and/or ``"M"`` (all columns).
    informer_params : dict
        ``InformerForecaster`` parameters besides ``seq_len``, ``label_len``,
        ``random_state`` and ``attn``; the neural baselines copy its size and training.
    stride : int
        Models fitted per window forecast every ``stride``-th test window.
    seeds : sequence of int
        One run of every neural model per seed.
    fit_months : int or None
        Fit on only the last ``fit_months`` months before the test rows (the last quarter
        validating) instead of the 12 training and 4 validation months.
    informer_candidates : sequence of dict
        Overrides of ``informer_params`` for the Informer alone. With two or more, every
        seed fits each and forecasts with the one whose validation loss is lowest: a
        setting chosen on the validation months, never on the test months.
    split : {"paper", "development"}
        See :func:`paper_split`: "development" scores on the paper's validation months.
    combine : {"best", "mean", "weighted"}
        With candidates: ``"best"`` as above, ``"mean"``: every seed forecasts the mean
        of all the candidates' forecasts (an ensemble; nothing is chosen), or
        ``"weighted"``: their weighted mean, the weights (>= 0, summing to 1) those with
        the lowest MSE on the validation windows.

    Returns
    -------
    list of dict
        One row per (task, horizon, model): ``mse``, ``mae`` (means over seeds),
        ``mse_std``, ``mae_std``, ``n_seeds``, ``n_windows``, ``fit_s``, ``predict_s``
        (seconds per seed; with candidates, all their fits), ``chosen`` (per seed, the
        1-based candidate it kept, or None), ``combined`` (how many candidates' forecasts
        were averaged, or None), ``weighted`` (whether with weights) and ``example``: the (pred_len, C) forecast
        of the first test window by the first seed, for the plots. Where a per-window
        model ran, two more rows per block score the naive forecasts on its subsample of
        windows.
    """
    if combine not in COMBINE:
        raise ValueError(f"combine must be one of {COMBINE}, got {combine!r}")
    train_end, val_end, test_end = paper_split(frame.index, split)
    frame = frame.iloc[:test_end]
    mean, std = frame.iloc[:train_end].mean(), frame.iloc[:train_end].std(ddof=0)
    frame = (frame - mean) / std  # the paper's z-scale, training statistics
    sp = rows_per_day(frame.index)
    if fit_months is None:
        fit_start, n_val_rows = 0, val_end - train_end
    else:
        fit_start = val_end - fit_months * 30 * sp
        n_val_rows = (val_end - fit_start) // 4
    neural = {**informer_params, "seq_len": seq_len, "label_len": label_len}
    rows = []
    for task in tasks:
        data = frame[[target]] if task == "S" else frame
        values = data.to_numpy()
        for pred_len in horizons:
            # every window whose target lies in the test rows
            starts = np.arange(val_end - seq_len, test_end - seq_len - pred_len + 1)
            setting = Setting(data, fit_start, val_end, n_val_rows, starts, seq_len, label_len, pred_len, sp,
                              stride, neural, tuple(informer_candidates), combine)  # fmt: skip
            truth = window_truth(values, starts, seq_len, pred_len)
            subsample = None  # the windows of the per-window models, if any ran
            for name in models:
                model, neural_model = MODELS[name][:2]
                scores, example, chosen, combined = [], None, [], None
                for seed in seeds if neural_model else seeds[:1]:
                    with warnings.catch_warnings():
                        # sktime announces future defaults on every construction
                        warnings.simplefilter("ignore", FutureWarning)
                        result = model(setting, seed)
                    scores.append((*_errors(result.values, truth[result.windows]), result.fit_s, result.predict_s))
                    if result.chosen is not None:
                        chosen.append(result.chosen + 1)
                    combined = result.combined
                    for i, member in enumerate(result.members or (), 1):
                        # each candidate alone, on the same windows: what choosing or averaging gained
                        member_mse = _errors(member, truth[result.windows])[0]
                        logger.info("seed %d candidate %d: MSE %.4f", seed, i, member_mse)
                    if example is None and result.windows[0] == 0:
                        example = result.values[0]
                if len(result.windows) < len(starts):
                    subsample = result.windows
                mse, mae, fit_s, predict_s = np.array(scores).T
                rows.append(dict(
                    task=task, horizon=pred_len, model=name, mse=mse.mean(), mae=mae.mean(), mse_std=mse.std(),
                    mae_std=mae.std(), n_seeds=len(scores), n_windows=len(result.windows),
                    fit_s=fit_s.mean(), predict_s=predict_s.mean(), example=example, chosen=chosen or None,
                    combined=combined, weighted=result.weights is not None,
                ))  # fmt: skip
                logger.info("task %s horizon %d %s: MSE %.3f", task, pred_len, name, mse.mean())
            if subsample is not None:
                # the per-window models' errors are over a subsample: the naive ones beside
                # them on the same windows, so that they compare like with like
                forecasts = naive_forecasts(values, starts[subsample], seq_len, pred_len, sp)
                for name, forecast in zip(("naive", "seasonal-naive"), forecasts):
                    mse, mae = _errors(forecast, truth[subsample])
                    rows.append(dict(
                        task=task, horizon=pred_len, model=f"{name}, same {len(subsample)} windows", mse=mse,
                        mae=mae, mse_std=0.0, mae_std=0.0, n_seeds=1, n_windows=len(subsample), fit_s=0.0,
                        predict_s=0.0, example=None, chosen=None,
                    ))  # fmt: skip
    return rows


def table(rows, paper=False):
    """Markdown table of ``run``'s rows, with the paper's ETTh2 figures if ``paper``."""
    lines = [
        "| task | horizon | model | MSE | MAE | windows | fit s | predict s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(rows):
        # four decimals: at long horizons ours and seasonal naive can differ in the fourth
        pm = lambda key: f" ± {r[key + '_std']:.3f}" if r["n_seeds"] > 1 else ""  # noqa: E731
        model = r["model"] + (f", candidate {'/'.join(map(str, r['chosen']))}" if r.get("chosen") else "")
        weighted = "validation-weighted " if r.get("weighted") else ""
        model += f", {weighted}mean of {r['combined']} candidates" if r.get("combined") else ""
        lines.append(
            f"| {r['task']} | {r['horizon']} | {model} | {r['mse']:.4f}{pm('mse')} | {r['mae']:.4f}{pm('mae')} | "
            f"{r['n_windows']} | {r['fit_s']:.1f} | {r['predict_s']:.1f} |"
        )
        last_of_block = i + 1 == len(rows) or (rows[i + 1]["task"], rows[i + 1]["horizon"]) != (r["task"], r["horizon"])
        if paper and last_of_block and r["horizon"] in PAPER_INFORMER_ETTH2[r["task"]]:
            mse, mae = PAPER_INFORMER_ETTH2[r["task"]][r["horizon"]]
            lines.append(f"| {r['task']} | {r['horizon']} | Informer, paper (ETTh2) | {mse:.3f} | {mae:.3f} | - | - | - |")
    return "\n".join(lines)


def plot(rows, frame, directory, seq_len=96, target="OT", split="paper"):
    """Per task: ``forecast_<task>.png`` (truth, ``informer-prob``, seasonal naive and the
    best other model on the first test window of the first horizon; only if the rows
    hold forecasts) and ``horizon_mse_<task>.png``.

    Returns
    -------
    list of str
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    os.makedirs(directory, exist_ok=True)
    train_end, val_end, _ = paper_split(frame.index, split)
    z = (frame - frame.iloc[:train_end].mean()) / frame.iloc[:train_end].std(ddof=0)
    written = []
    for task in dict.fromkeys(r["task"] for r in rows):
        task_rows = [r for r in rows if r["task"] == task]
        column = 0 if task == "S" else list(frame.columns).index(target)
        horizon = task_rows[0]["horizon"]
        block = [r for r in task_rows if r["horizon"] == horizon and r["example"] is not None]
        if block:
            written.append(_plot_forecast(plt, block, z[target].to_numpy(), column, val_end - seq_len, seq_len,
                                          horizon, f"Task {task}, horizon {horizon}, first test window",
                                          os.path.join(directory, f"forecast_{task}.png")))  # fmt: skip

        fig, ax = plt.subplots(figsize=(6, 4))
        every = {}  # horizon -> windows of a model scored on every window
        for r in task_rows:
            every[r["horizon"]] = max(every.get(r["horizon"], 0), r["n_windows"])
        for name in dict.fromkeys(r["model"] for r in task_rows if ", same " not in r["model"]):
            mine = [r for r in task_rows if r["model"] == name]
            # dotted: scored on a subsample of the windows (per-window models)
            subsample = any(r["n_windows"] < every[r["horizon"]] for r in mine)
            ax.plot([r["horizon"] for r in mine], [r["mse"] for r in mine], marker="o", ls=":" if subsample else "-",
                    label=name + (" (subsample)" if subsample else ""))  # fmt: skip
        if task in PAPER_INFORMER_ETTH2:
            paper = sorted(PAPER_INFORMER_ETTH2[task].items())
            ax.plot([h for h, _ in paper], [m for _, (m, _) in paper], "k--", label="Informer, paper (ETTh2)")
        # log axes: a model that fails badly at one horizon does not squash the others
        horizons = sorted({r["horizon"] for r in task_rows})
        ax.set(xscale="log", yscale="log", xlabel="horizon", ylabel="MSE (z-scale)",
               title=f"Task {task}: MSE by horizon")  # fmt: skip
        ax.set_xticks(horizons, [str(h) for h in horizons])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.legend(fontsize=7)
        written.append(os.path.join(directory, f"horizon_mse_{task}.png"))
        fig.savefig(written[-1], dpi=100, bbox_inches="tight")
        plt.close(fig)
    return written


def _plot_forecast(plt, block, truth, column, start, seq_len, horizon, title, path):
    """Truth, ``informer-prob``, seasonal naive and the best other model scored on every
    window (models scored on a subsample are not comparable by their MSE)."""
    n_windows = max(r["n_windows"] for r in block)
    every = sorted((r for r in block if r["n_windows"] == n_windows), key=lambda r: r["mse"])
    shown = [r for r in every if r["model"] == "informer-prob"]
    shown += [r for r in every if r["model"] == "seasonal-naive"]
    shown += [r for r in every if not r["model"].startswith("informer") and r["model"] != "seasonal-naive"][:1]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(np.arange(-seq_len, horizon), truth[start : start + seq_len + horizon], color="k", lw=1, label="truth")
    for r in shown:
        ax.plot(np.arange(horizon), r["example"][:, column], label=f"{r['model']} (MSE {r['mse']:.3f})")
    ax.axvline(0, color="grey", lw=0.5)
    ax.set(xlabel="steps from the forecast origin", ylabel="z-scale", title=title)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.accuracy",
        description="The Informer paper's accuracy protocol on an ETT-format CSV, with baselines.",
    )
    parser.add_argument("path", help="ETT-format CSV (a 'date' column, then the series; target 'OT')")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="paper",
                        help="paper: horizons 24..720, tasks S and M; literature: horizons 96..720, task M")
    parser.add_argument("--split", choices=sorted(SPLITS), default="paper",
                        help="paper: train 12 months, validate 4, test 4; development: 8, 4 and the paper's "
                             "4 validation months as the test, to choose settings without the test months")
    parser.add_argument("--models", default="all",
                        help=f"comma-separated, from {', '.join(MODELS)}; default all installed")
    parser.add_argument("--horizons", help="comma-separated forecast lengths (default: the protocol's)")
    parser.add_argument("--tasks", help="S, M or S,M (default: the protocol's)")
    parser.add_argument("--seeds", type=int, help="runs per neural model (default 3; 1 with --quick)")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds FIRST_SEED, FIRST_SEED+1, ... (0): split the seeds over processes")
    parser.add_argument("--seq-len", type=int,
                        help="input length of every windowed model (default: the protocol's, 96), a lever")
    parser.add_argument("--stride", type=int, default=24, help="per-window models: every STRIDE-th window (24)")
    parser.add_argument("--quick", action="store_true", help="minutes instead of days: " + QUICK_CUTS)
    parser.add_argument("--size", choices=("paper", "small"),
                        help="paper: the original's model and training (default); small: d_model 64, 4 heads, "
                             "d_ff 128, 2 epochs, batch 64, lr 1e-3 (the default with --quick)")
    parser.add_argument("--informer", action="append",
                        help="override InformerForecaster parameters, for the levers: e.g. "
                             "'revin=True,factor=3,lradj=\"constant\"'; given twice or more, the Informer "
                             "fits each setting and keeps the one with the lowest validation loss, per seed "
                             "and horizon (the table names the candidate each seed kept)")
    parser.add_argument("--combine", choices=COMBINE, default="best",
                        help="with two or more --informer settings: best keeps, per seed, the setting "
                             "with the lowest validation loss; mean forecasts the mean of all the "
                             "settings' forecasts (an ensemble, nothing chosen); weighted, their "
                             "weighted mean with the weights that fit the validation windows best")
    parser.add_argument("--output", help="also write the markdown report to this file")
    parser.add_argument("--plots", help="write the forecast and horizon-MSE plots (PNG) to this directory")
    return parser  # fmt: skip


def _overrides(spec):
    """``"revin=True,factor=3"`` as ``{"revin": True, "factor": 3}``."""
    pairs = [item.split("=", 1) for item in spec.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise SystemExit(f"--informer: expected NAME=VALUE pairs separated by commas, got {spec!r}")
    return {name.strip(): ast.literal_eval(value.strip()) for name, value in pairs}


def _selected_models(spec):
    names = list(MODELS) if spec == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; choose from {list(MODELS)}")
    missing = [n for n in names if not available(n)]
    return [n for n in names if n not in missing], missing


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    protocol = PROTOCOLS[args.protocol]
    horizons, tasks, seeds, stride = protocol["horizons"], protocol["tasks"], 3, args.stride
    params, fit_months = PAPER_INFORMER, None
    if args.quick:
        horizons, tasks, seeds, stride, fit_months = (QUICK[k] for k in ("horizons", "tasks", "seeds", "stride", "fit_months"))
        params = QUICK_INFORMER
        logger.info("--quick cuts: %s", QUICK_CUTS)
    if args.size:
        params = {"paper": PAPER_INFORMER, "small": QUICK_INFORMER}[args.size]
    seeds = args.seeds or seeds  # an explicit --seeds holds in --quick too
    if args.first_seed < 0:
        raise SystemExit(f"--first-seed must be 0 or more, got {args.first_seed}")
    # one --informer overrides everyone's configuration; several are the Informer's candidates
    overrides = [_overrides(spec) for spec in args.informer or [""]]
    candidates = overrides if len(overrides) > 1 else []
    params = {**params, **(overrides[0] if len(overrides) == 1 else {})}
    if args.combine != "best" and not candidates:
        raise SystemExit(f"--combine {args.combine}: averages two or more settings; give --informer twice or more")
    if args.horizons:
        horizons = tuple(int(h) for h in args.horizons.split(","))
    if args.tasks:
        tasks = tuple(t.strip() for t in args.tasks.split(","))
    seq_len = args.seq_len or protocol["seq_len"]
    models, missing = _selected_models(args.models)
    for name in missing:
        logger.warning("skipping %s: its package %s is not installed", name, MODELS[name][2])
    frame = load_csv(args.path)
    t = time.perf_counter()
    seed_list = tuple(range(args.first_seed, args.first_seed + seeds))
    rows = run(frame, models, horizons, tasks, params, stride, seed_list,
               seq_len, protocol["label_len"], fit_months, informer_candidates=candidates,
               combine=args.combine, split=args.split)  # fmt: skip
    paper = os.path.basename(args.path).startswith("ETTh2") and args.protocol == "paper" and args.split == "paper"
    role = {
        "best": "kept where its validation loss is lowest",
        "mean": "its forecast averaged with the others'",
        "weighted": "its forecast averaged with the others', weights fitted on the validation windows",
    }
    report = [
        f"# Accuracy, {args.protocol} protocol, {args.split} split: {os.path.basename(args.path)}\n",
        f"- models: {', '.join(f'{n} ({MODELS[n][3]})' for n in models)}",
        f"- not installed, skipped: {', '.join(missing) or 'none'}",
        f"- Informer configuration: seq_len {seq_len}, label_len {protocol['label_len']}, {params}; "
        f"seeds {list(seed_list)} for neural models",
        *(f"- Informer candidate {i}, {role[args.combine]}: {c}" for i, c in enumerate(candidates, 1)),
        f"- per-window models: every {stride}th test window; fit and predict s are per seed, summed over windows",
        f"- quick mode: {QUICK_CUTS}" if args.quick else "- full run",
        f"- load average at end: {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}; "
        f"total {time.perf_counter() - t:.0f} s\n",
        table(rows, paper=paper),
    ]
    if args.plots:
        files = plot(rows, frame, args.plots, seq_len, split=args.split)
        report.append("\n" + "\n".join(f"![{os.path.basename(f)}]({f})" for f in files))
    text = "\n".join(report)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
