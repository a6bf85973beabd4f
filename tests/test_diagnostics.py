"""Diagnostics: loss history and attention of a fitted forecaster, data first."""

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from informer_sk import InformerForecaster
from informer_sk.diagnostics import (
    active_queries,
    attention_map,
    loss_history,
    sparsity_distribution,
)
from tests.conftest import SMALL as _SMALL
from tests.conftest import hourly

try:  # the figures need the plot extra; the data do not
    import matplotlib

    matplotlib.use("Agg")
except ImportError:
    matplotlib = None
needs_matplotlib = pytest.mark.skipif(matplotlib is None, reason="needs matplotlib (plot extra)")

SMALL = {**_SMALL, "factor": 2, "train_epochs": 1, "batch_size": 32}
FH = [1, 2, 3, 4]


def _hourly(n=200, n_columns=1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    index = pd.date_range("2021-03-01", periods=n, freq="h")
    data = {f"c{i}": np.sin(2 * np.pi * (t + i) / 24) + rng.normal(0, 0.2, n) for i in range(n_columns)}
    return pd.DataFrame(data, index=index)


@pytest.fixture(scope="module")
def y():
    return _hourly()["c0"]


@pytest.fixture(scope="module")
def fitted(y):
    return InformerForecaster(**SMALL).fit(y, fh=FH)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if matplotlib is not None and "matplotlib.pyplot" in sys.modules:
        matplotlib.pyplot.close("all")


def _u(length, factor=SMALL["factor"]):
    """ProbSparse's c * ceil(ln L), capped at L."""
    return min(factor * math.ceil(math.log(length)), length)


# loss history


@needs_matplotlib
def test_loss_history_is_the_fitted_history_with_the_best_epoch_flagged(y):
    forecaster = InformerForecaster(**{**SMALL, "train_epochs": 3, "validation_size": 0.2}).fit(y, fh=FH)
    history, fig = loss_history(forecaster)
    fitted = forecaster.get_fitted_params()
    expected = pd.DataFrame(fitted["history"])
    pd.testing.assert_frame_equal(history.drop(columns="best"), expected, check_dtype=False)
    assert history["best"].sum() == 1
    assert history.loc[history["best"], "epoch"].item() == fitted["best_epoch"]
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train", "validation", "best epoch"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), expected["val_loss"])


@needs_matplotlib
def test_loss_history_without_validation_has_nan_val_loss_and_one_curve(fitted):
    history, fig = loss_history(fitted)
    assert history["val_loss"].isna().all()
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train", "best epoch"]


@needs_matplotlib
def test_loss_history_draws_on_a_given_axes(fitted):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    _, returned = loss_history(fitted, ax=ax)
    assert returned is fig and len(ax.get_lines()) == 2


def test_update_epochs_follow_the_fit_epochs(y):
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:-40], fh=FH)
    forecaster.update(y.iloc[-40:], update_params=True)
    history, _ = loss_history(forecaster, plot=False)
    assert history["epoch"].tolist() == [1, 1]
    assert history["best"].tolist() == [True, False]


def test_diagnostics_before_fit_say_so(y):
    forecaster = InformerForecaster(**SMALL)
    with pytest.raises(ValueError, match="not fitted"):
        loss_history(forecaster)
    with pytest.raises(ValueError, match="not fitted"):
        sparsity_distribution(forecaster, y)


# sparsity measurement


def test_sparsity_frame_has_every_layer_window_head_and_query(fitted, y):
    sparsity, _ = sparsity_distribution(fitted, y, n_windows=5, plot=False)
    sizes = sparsity.groupby(["stack", "layer"])["query"].nunique().to_dict()
    dec_len = SMALL["label_len"] + len(FH)
    assert sizes == {("encoder", 0): 24, ("encoder", 1): 12, ("decoder_self", 0): dec_len}
    assert sparsity["head"].nunique() == SMALL["n_heads"]
    # windows evenly spread from the first to the last complete one
    starts = sorted(sparsity["window"].unique())
    assert len(starts) == 5
    assert starts[0] == y.index[0]
    assert starts[-1] == y.index[len(y) - SMALL["seq_len"] - len(FH)]


@pytest.mark.parametrize("stack, layer, length", [("encoder", 0, 24), ("encoder", 1, 12), ("decoder_self", 0, 16)])
def test_the_active_queries_are_the_top_u_by_sparsity(fitted, y, stack, layer, length):
    sparsity, _ = sparsity_distribution(fitted, y, n_windows=3, plot=False)
    part = sparsity[(sparsity["stack"] == stack) & (sparsity["layer"] == layer)]
    u = _u(length)
    assert u < length  # else every query would be active and the test would be empty
    for _, group in part.groupby(["window", "head"]):
        assert group["active"].sum() == u
        threshold = group.loc[group["active"], "sparsity"].min()
        assert (group.loc[~group["active"], "sparsity"] <= threshold).all()


def test_sparsity_is_max_minus_mean_of_the_scaled_scores_over_all_keys(y):
    # with a large factor every key is "sampled", so M̄ is exact and checkable
    forecaster = InformerForecaster(**{**SMALL, "factor": 50}).fit(y, fh=FH)
    captured = []
    attention = forecaster.network_.encoder.layers[0].attention.attention
    hook = attention.register_forward_hook(lambda m, args, out: captured.append(args[:2]))
    try:
        sparsity, _ = sparsity_distribution(forecaster, y, n_windows=3, plot=False)
    finally:
        hook.remove()
    q, k = captured[0]  # (B, H, L, D)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    expected = (scores.amax(-1) - scores.mean(-1)).numpy()  # (B, H, L)
    got = sparsity[(sparsity["stack"] == "encoder") & (sparsity["layer"] == 0)]
    windows = sorted(got["window"].unique())
    for b, window in enumerate(windows):
        for h in range(SMALL["n_heads"]):
            rows = got[(got["window"] == window) & (got["head"] == h)].sort_values("query")
            np.testing.assert_allclose(rows["sparsity"], expected[b, h], rtol=1e-5, atol=1e-6)


def test_diagnostics_are_repeatable_and_leave_the_torch_rng_alone(fitted, y):
    state = torch.get_rng_state()
    a, _ = sparsity_distribution(fitted, y, n_windows=4, plot=False)
    b, _ = sparsity_distribution(fitted, y, n_windows=4, plot=False)
    pd.testing.assert_frame_equal(a, b)
    assert torch.equal(state, torch.get_rng_state())


@needs_matplotlib
def test_sparsity_figure_has_one_histogram_per_probsparse_layer(fitted, y):
    _, fig = sparsity_distribution(fitted, y, n_windows=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "encoder layer 0 (L = 24)",
        "encoder layer 1 (L = 12)",
        "decoder self-attn. layer 0 (L = 16)",
    ]
    assert all(ax.get_yscale() == "log" for ax in fig.axes)


def test_sparsity_needs_probsparse(y):
    forecaster = InformerForecaster(**{**SMALL, "attn": "full"}).fit(y, fh=FH)
    with pytest.raises(ValueError, match="attn='full'"):
        sparsity_distribution(forecaster, y)
    with pytest.raises(ValueError, match="attn='full'"):
        active_queries(forecaster, y)


# attention maps


def test_encoder_map_rows_are_softmax_for_active_queries_and_uniform_for_lazy(fitted, y):
    weights, _ = attention_map(fitted, y, layer=0, head=1, window=2, plot=False)
    assert weights.shape == (24, 24)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    active = weights.attrs["active"]
    assert len(active) == _u(24)
    lazy = np.setdiff1d(np.arange(24), active)
    np.testing.assert_allclose(weights.iloc[lazy], 1 / 24)
    assert not np.allclose(weights.iloc[active], 1 / 24)
    queries, _ = active_queries(fitted, y, layer=0, window=2, plot=False)
    kept = queries[(queries["head"] == 1) & queries["active"]]["query"]
    np.testing.assert_array_equal(np.sort(kept), active)
    assert weights.attrs["window"] == y.index[2]


def test_decoder_self_attention_map_is_causal(fitted, y):
    weights, _ = attention_map(fitted, y, stack="decoder_self", plot=False)
    assert weights.shape == (16, 16)
    values = weights.to_numpy()
    assert np.all(np.triu(values, k=1) == 0)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, rtol=1e-6)
    lazy = np.setdiff1d(np.arange(16), weights.attrs["active"])
    for i in lazy:  # the running mean of V up to i
        np.testing.assert_allclose(values[i, : i + 1], 1 / (i + 1))


def test_cross_attention_map_is_full_over_the_distilled_encoder_output(fitted, y):
    weights, _ = attention_map(fitted, y, stack="decoder_cross", head=-1, plot=False)
    assert weights.shape == (16, 12)  # label_len + horizon queries, seq_len / 2 keys
    assert len(weights.attrs["active"]) == 16 and weights.attrs["head"] == 1


@needs_matplotlib
def test_full_attention_map(y):
    forecaster = InformerForecaster(**{**SMALL, "attn": "full", "distil": False}).fit(y, fh=FH)
    weights, fig = attention_map(forecaster, y, layer=1)
    assert weights.shape == (24, 24) and len(weights.attrs["active"]) == 24
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    assert fig.axes[0].get_title() == "encoder layer 1, head 0"


@needs_matplotlib
def test_attention_map_figure_shows_the_weights_and_marks_active_rows(fitted, y):
    weights, fig = attention_map(fitted, y)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), weights.to_numpy())
    (marks,) = [line for line in ax.get_lines() if line.get_label() == "active queries"]
    np.testing.assert_array_equal(marks.get_ydata(), weights.attrs["active"])


# active queries


def test_active_queries_time_stamps_follow_distilling(fitted, y):
    first, _ = active_queries(fitted, y, layer=0, window=0, plot=False)
    second, _ = active_queries(fitted, y, layer=1, window=0, plot=False)
    np.testing.assert_array_equal(first["time"], y.index[first["query"]])
    np.testing.assert_array_equal(second["time"], y.index[2 * second["query"]])
    decoder, _ = active_queries(fitted, y, stack="decoder_self", window=0, plot=False)
    offset = SMALL["seq_len"] - SMALL["label_len"]
    np.testing.assert_array_equal(decoder["time"], y.index[offset + decoder["query"]])
    assert (first.groupby("head")["active"].sum() == _u(24)).all()


@needs_matplotlib
def test_active_queries_figure_plots_the_window_and_the_kept_queries(fitted, y):
    queries, fig = active_queries(fitted, y, window=-1)
    top, bottom = fig.axes[:2]
    (line,) = top.get_lines()
    start = len(y) - SMALL["seq_len"] - len(FH)
    np.testing.assert_allclose(line.get_ydata(), y.iloc[start : start + SMALL["seq_len"]])
    kept = sum(len(c.get_offsets()) for c in bottom.collections[1::2])
    assert kept == queries["active"].sum()


# inputs


def test_exogenous_and_multivariate_data(y):
    data = _hourly(n_columns=3)
    forecaster = InformerForecaster(**SMALL).fit(data[["c0", "c1"]], X=data[["c2"]], fh=FH)
    sparsity, _ = sparsity_distribution(forecaster, data[["c0", "c1"]], X=data[["c2"]], plot=False)
    assert len(sparsity) and np.isfinite(sparsity["sparsity"]).all()
    with pytest.raises(ValueError, match="fitted with exogenous X"):
        attention_map(forecaster, data[["c0", "c1"]])
    with pytest.raises(ValueError, match="y has 1 column.* fitted on 2"):
        attention_map(forecaster, data[["c0"]], X=data[["c2"]])
    with pytest.raises(ValueError, match="fitted without X"):
        attention_map(InformerForecaster(**SMALL).fit(y, fh=FH), y, X=data[["c2"]])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"layer": 2}, "layer=2 is out of range: there are 2 encoder layers"),
        ({"stack": "decoder_self", "layer": 1}, "layer=1 is out of range"),
        ({"head": 2}, "head=2 is out of range: there are 2 heads"),
        ({"window": 10_000}, "window=10000 is out of range"),
        ({"stack": "cross"}, "stack='cross' is not one of"),
        ({"layer": True}, "layer=True"),
    ],
)
def test_bad_arguments_name_the_parameter(fitted, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        attention_map(fitted, y, plot=False, **kwargs)


def test_too_short_y_says_how_long_a_window_is(fitted, y):
    with pytest.raises(ValueError, match="seq_len=24 \\+ max\\(fh\\)=4 = 28"):
        sparsity_distribution(fitted, y.iloc[:27], plot=False)
    with pytest.raises(ValueError, match="n_windows=0"):
        sparsity_distribution(fitted, y, n_windows=0, plot=False)
    with pytest.raises(ValueError, match="stack='decoder_cross'"):
        active_queries(fitted, y, stack="decoder_cross", plot=False)


def test_plot_false_never_imports_matplotlib():
    script = textwrap.dedent(
        """
        import sys
        import numpy as np, pandas as pd, torch
        torch.set_num_threads(1)
        from informer_sk import InformerForecaster
        from informer_sk import diagnostics as d
        y = pd.Series(np.sin(np.arange(80) / 3.0), index=pd.date_range("2020", periods=80, freq="h"))
        f = InformerForecaster(seq_len=16, label_len=8, d_model=8, n_heads=2, d_ff=8,
                               train_epochs=1, validation_size=0, random_state=0).fit(y, fh=[1])
        for result in (d.loss_history(f, plot=False), d.sparsity_distribution(f, y, plot=False),
                       d.attention_map(f, y, plot=False), d.active_queries(f, y, plot=False)):
            assert result[1] is None and len(result[0])
        assert "matplotlib" not in sys.modules, "matplotlib was imported"
        """
    )
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr


@needs_matplotlib
def test_figures_draw_a_period_index_as_times():
    from sktime.datasets import load_airline

    y = load_airline()  # monthly PeriodIndex
    forecaster = InformerForecaster(**{**SMALL, "seq_len": 36}).fit(y, fh=FH)
    queries, fig = active_queries(forecaster, y)
    assert isinstance(queries["time"].iloc[0], pd.Period)
    x = fig.axes[0].get_lines()[0].get_xdata()
    assert pd.Timestamp(x[0]) == y.index[-36 - len(FH)].to_timestamp()


def test_a_figure_without_matplotlib_says_how_to_get_it(fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # as if not installed
    with pytest.raises(ImportError, match=r"informer-sk\[plot\].*plot=False"):
        loss_history(fitted)
    assert len(loss_history(fitted, plot=False)[0]) == 1


def test_a_channel_independent_forecaster_is_refused_by_name():
    y = hourly(24 * 8, n_columns=2)
    forecaster = InformerForecaster(**{**SMALL, "channel_independent": True}).fit(y, fh=[1, 2])
    with pytest.raises(ValueError, match="channel_independent"):
        attention_map(forecaster, y, plot=False)
