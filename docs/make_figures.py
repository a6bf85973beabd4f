"""Make the figures of the "How Informer works" page with informer_sk.diagnostics.

The figures are drawn from a small Informer trained here on the bundled ETTh2 (oil
temperature ``OT``, hourly) and looked at on the paper's test months, by the package's
own diagnostics; they are committed to ``docs/_static/figures``. Run from the
repository root::

    python docs/make_figures.py                  # the committed figures, 1-3 min on a CPU core
    python docs/make_figures.py --quick --out DIR  # a tiny model, seconds: checks the script

Every PNG records in its metadata ("Source") that this script made it, and with which
settings.
"""

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sktime.utils.plotting import plot_series  # noqa: E402

import informer_sk  # noqa: E402
from informer_sk import InformerForecaster  # noqa: E402
from informer_sk.datasets import load_ett  # noqa: E402
from informer_sk.diagnostics import (  # noqa: E402
    active_queries,
    attention_map,
    loss_history,
    sparsity_distribution,
)

FIGURES = Path(__file__).resolve().parent / "_static" / "figures"
# the paper's split of the hourly ETT data: 12 months train, 4 validate, 4 test
TEST_START, TEST_END = 16 * 30 * 24, 20 * 30 * 24
SETTINGS = {
    "full": dict(
        # the 8 months before the test months, the last of them validating
        fit_rows=(TEST_START - 8 * 30 * 24, TEST_START),
        model=dict(
            seq_len=96, label_len=48, d_model=64, n_heads=4, d_ff=128, factor=5,
            e_layers=2, d_layers=1, train_epochs=3, learning_rate=1e-3, batch_size=32,
            validation_size=0.125, random_state=0,
        ),
        n_windows=64,
    ),
    "quick": dict(
        fit_rows=(TEST_START - 400, TEST_START),
        model=dict(
            seq_len=48, label_len=24, d_model=16, n_heads=2, d_ff=16, factor=3,
            e_layers=2, d_layers=1, train_epochs=2, learning_rate=1e-3, batch_size=64,
            validation_size=0.25, random_state=0,
        ),
        n_windows=8,
    ),
}  # fmt: skip
HORIZON = np.arange(1, 25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny model, for tests")
    parser.add_argument("--out", type=Path, default=FIGURES, help="output folder")
    args = parser.parse_args(argv)
    # one thread: on a small shared machine more threads spin instead of working
    torch.set_num_threads(1)
    settings = SETTINGS["quick" if args.quick else "full"]
    args.out.mkdir(parents=True, exist_ok=True)
    source = (
        f"docs/make_figures.py{' --quick' if args.quick else ''} with informer_sk "
        f"{informer_sk.__version__} diagnostics on ETTh2; settings: {json.dumps(settings)}"
    )

    start = time.perf_counter()
    y = load_ett(target="OT")
    first, last = settings["fit_rows"]
    forecaster = InformerForecaster(**settings["model"], verbose=True)
    forecaster.fit(y.iloc[first:last], fh=HORIZON)
    print(f"fitted {forecaster.n_parameters_} parameters in {time.perf_counter() - start:.0f} s")
    test = y.iloc[TEST_START:TEST_END]

    history, fig = loss_history(forecaster)
    _save(fig, args.out / "loss_history.png", source)
    print(history.round(4).to_string(index=False))

    sparsity, fig = sparsity_distribution(forecaster, test, n_windows=settings["n_windows"])
    fig.suptitle("ETTh2 test months: sparsity measurement of every query")
    _save(fig, args.out / "sparsity.png", source)
    print(_tail_summary(sparsity))

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), layout="constrained")
    for layer, ax in enumerate(axes):
        attention_map(forecaster, test, layer=layer, head=0, window=-1, ax=ax)
    _save(fig, args.out / "attention_map.png", source)

    queries, fig = active_queries(forecaster, test, layer=0, window=-1)
    _save(fig, args.out / "active_queries.png", source)

    # one origin of the test months, a day without the data's constant-filled stretches
    # (2017-10-31 is one): a single forward pass emits all 24 hours
    origin = TEST_START + 13 * 24
    context = y.iloc[:origin]
    forecaster.update(y.iloc[last:origin], update_params=False)
    y_pred = forecaster.predict()
    label_len = forecaster.label_len
    fig, ax = plot_series(
        context.iloc[-forecaster.seq_len :],
        y.iloc[origin : origin + len(HORIZON)],
        y_pred,
        labels=["encoder input (seq_len)", "actual", "forecast (one forward pass)"],
        markers=["", "", ""],
    )
    ax.axvspan(context.index[-label_len], context.index[-1], color="0.9", zorder=0,
               label="decoder start token (label_len)")  # fmt: skip
    ax.legend(fontsize="small")
    ax.set_title("Generative decoder: 24 hours of OT from one forward pass")
    ax.figure.set_size_inches(8, 3.5)
    _save(ax.figure, args.out / "forecast.png", source)
    print(f"all figures in {args.out}, {time.perf_counter() - start:.0f} s")


def _tail_summary(sparsity):
    """Per layer: quantiles of M̄ and how far the active queries stand out."""
    rows = []
    for (stack, layer), group in sparsity.groupby(["stack", "layer"], sort=False):
        q50, q90, q99 = group["sparsity"].quantile([0.5, 0.9, 0.99])
        active = group.loc[group["active"], "sparsity"].median()
        rows.append(
            f"{stack} {layer}: median {q50:.3f}, 90% {q90:.3f}, 99% {q99:.3f}, "
            f"max {group['sparsity'].max():.3f}; median of active {active:.3f}, "
            f"{group['active'].mean():.1%} active"
        )
    return "\n".join(rows)


def _save(fig, path, source):
    fig.savefig(path, dpi=110, metadata={"Source": source})
    plt.close(fig)


if __name__ == "__main__":
    main()
