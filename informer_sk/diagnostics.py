"""Diagnostics of a fitted InformerForecaster: its loss history and its attention.

Every function takes a fitted forecaster (and, for attention, the data to look at:
the user's own ``y`` and ``X``), and returns ``(data, figure)``: the numbers as a
``pd.DataFrame`` first, a matplotlib figure second. With ``plot=False`` the figure is
``None`` and matplotlib is never imported (it is an optional extra:
``pip install "informer-sk[plot]"``).

The attention functions run the trained network on sliding windows of ``y`` exactly as
``predict`` does (same scaling, calendar features and seeded ProbSparse key sampling),
asking each layer for its attention (``Informer.forward(..., return_attention=True)``):

- :func:`sparsity_distribution`: every query's sparsity measurement M̄(q, K) (Zhou et
  al., 2021, Eq. 4) per ProbSparse layer, and whether the layer kept it as an "active"
  query; its long tail is what lets ProbSparse attend with only the top u queries;
- :func:`attention_map`: the attention weights one layer and head applied to one window;
- :func:`active_queries`: which queries of one window each head of a layer kept;
- :func:`loss_history`: train and validation loss per epoch, best epoch marked.
"""

__all__ = ["loss_history", "sparsity_distribution", "attention_map", "active_queries"]

import numpy as np
import pandas as pd

from informer_sk.calendar import calendar_marks
from informer_sk.inference import forecast_windows
from informer_sk.windows import SeriesTensors, Windows, window_starts

# Informer.forward's attention groups; "decoder_cross" is always full attention
_STACKS = ("encoder", "decoder_self", "decoder_cross")


def loss_history(forecaster, *, plot=True, ax=None):
    """Train and validation loss per epoch of a fitted forecaster, and their plot.

    Parameters
    ----------
    forecaster : InformerForecaster
        A fitted forecaster.
    plot : bool, default=True
        Also draw the curves; False returns no figure and never imports matplotlib.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    history : pd.DataFrame
        One row per epoch, in training order (epochs of ``update(update_params=True)``
        follow those of ``fit``): ``epoch`` (counted within its fit or update),
        ``train_loss``, ``val_loss`` (NaN without validation), ``learning_rate`` and
        ``seconds`` (the epoch's wall time);
        the column ``best`` is True on the row whose weights ``fit`` kept.
        Losses are mean squared errors on the standardised scale.
    figure : matplotlib Figure or None

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerForecaster
    >>> from informer_sk.diagnostics import loss_history
    >>> forecaster = InformerForecaster(
    ...     seq_len=24, label_len=12, d_model=16, n_heads=2, d_ff=32,
    ...     train_epochs=3, validation_size=0.25, random_state=0,
    ... ).fit(load_airline(), fh=[1, 2, 3])
    >>> history, _ = loss_history(forecaster, plot=False)
    >>> list(history.columns)
    ['epoch', 'train_loss', 'val_loss', 'learning_rate', 'seconds', 'best']
    >>> int(history.loc[history["best"], "epoch"].iloc[0]) == forecaster.best_epoch_
    True
    """
    fitted = _fitted_params(forecaster)
    history = pd.DataFrame(
        fitted["history"], columns=["epoch", "train_loss", "val_loss", "learning_rate", "seconds"]
    ).astype({"val_loss": "float64"})
    # the first fit's epochs come first; best_epoch_ counts within that fit (0, the start
    # kept: no epoch is marked)
    history["best"] = np.arange(1, len(history) + 1) == fitted["best_epoch"]
    if not plot:
        return history, None

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    step = np.arange(1, len(history) + 1)
    ax.plot(step, history["train_loss"], marker="o", label="train")
    if history["val_loss"].notna().any():
        ax.plot(step, history["val_loss"], marker="o", label="validation")
    if history["best"].any():
        ax.axvline(fitted["best_epoch"], color="0.5", linestyle="--", label="best epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (standardised scale)")
    ax.set_title("Loss history")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return history, ax.figure


def sparsity_distribution(forecaster, y, X=None, *, n_windows=32, plot=True):
    """The queries' sparsity measurement M̄(q, K) in every ProbSparse layer, on your data.

    ProbSparse self-attention (Zhou et al., 2021, Eq. 4) scores each query by
    M̄(q, K) = max_j(q·k_j/√d) - mean_j(q·k_j/√d) over a sample of keys and attends
    only with the top u = factor·⌈ln L_Q⌉ queries per head; the other ("lazy")
    queries output the mean of the values. The selection is cheap and harmless when
    M̄ has a long tail: a few queries with a peaked attention, most close to uniform.

    Parameters
    ----------
    forecaster : InformerForecaster
        A forecaster fitted with ``attn="prob"``.
    y : pd.Series or pd.DataFrame
        Data shaped like the training ``y`` (same columns and frequency), at least
        ``seq_len + max(fh)`` points long, e.g. the training series or held-out data.
    X : pd.DataFrame, optional
        Exogenous data on the index of ``y``; required if the forecaster was fitted
        with ``X``.
    n_windows : int, default=32
        How many windows, evenly spread over ``y``, to measure.
    plot : bool, default=True
        Also draw a histogram per layer (active and lazy queries stacked, counts on a
        log scale); False returns no figure and never imports matplotlib.

    Returns
    -------
    sparsity : pd.DataFrame
        One row per (layer, window, head, query): ``stack`` ("encoder" or
        "decoder_self"), ``layer``, ``window`` (the time of the window's first point),
        ``head``, ``query`` (position in the layer's input), ``sparsity`` (M̄ as the
        layer estimated it, on its sampled keys) and ``active`` (whether the query was
        among the top u).
    figure : matplotlib Figure or None

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerForecaster
    >>> from informer_sk.diagnostics import sparsity_distribution
    >>> y = load_airline()
    >>> forecaster = InformerForecaster(
    ...     seq_len=36, label_len=12, d_model=16, n_heads=2, d_ff=32, factor=2,
    ...     train_epochs=1, validation_size=0, random_state=0,
    ... ).fit(y, fh=[1, 2, 3])
    >>> sparsity, _ = sparsity_distribution(forecaster, y, n_windows=4, plot=False)
    >>> # queries per layer: distilling halves the encoder's 36; the decoder has 12 + 3
    >>> sparsity.groupby(["stack", "layer"])["query"].nunique().to_dict()
    {('decoder_self', 0): 15, ('encoder', 0): 36, ('encoder', 1): 18}
    >>> # u = factor * ceil(ln 36) = 8 active queries per head: 4 windows x 2 heads x 8
    >>> int(sparsity.query("stack == 'encoder' and layer == 0")["active"].sum())
    64
    """
    _require_probsparse(forecaster, "sparsity_distribution")
    _check_positive_int("n_windows", n_windows)
    starts, times, attention = _run_attention(forecaster, y, X, n_windows=n_windows)
    frames = []
    for stack in ("encoder", "decoder_self"):
        for layer, info in enumerate(attention[stack]):
            frames.append(_sparsity_frame(info, stack, layer, times))
    sparsity = pd.concat(frames, ignore_index=True)
    if not plot:
        return sparsity, None

    plt = _pyplot()
    groups = list(sparsity.groupby(["stack", "layer"], sort=False))
    fig, axes = plt.subplots(
        1, len(groups), figsize=(3.2 * len(groups), 3.2), layout="constrained", squeeze=False
    )
    for ax, ((stack, layer), group) in zip(axes[0], groups):
        bins = np.linspace(group["sparsity"].min(), group["sparsity"].max(), 40)
        ax.hist(
            [group.loc[~group["active"], "sparsity"], group.loc[group["active"], "sparsity"]],
            bins=bins,
            stacked=True,
            label=["lazy (mean of V)", "active (attends)"],
            color=["0.7", "C3"],
        )
        ax.set_yscale("log")
        n_queries = group["query"].nunique()
        name = "encoder" if stack == "encoder" else "decoder self-attn."
        ax.set_title(f"{name} layer {layer} (L = {n_queries})")
        ax.set_xlabel("sparsity measurement M̄(q, K)")
    axes[0, 0].set_ylabel("queries (log scale)")
    axes[0, 0].legend()
    return sparsity, fig


def attention_map(
    forecaster, y, X=None, *, stack="encoder", layer=0, head=0, window=-1, plot=True, ax=None
):
    """The attention weights one layer and head applied to one window of your data.

    Rows are queries and columns keys. In a ProbSparse layer the rows of the active
    queries hold their softmax weights; a lazy query outputs the mean of the values,
    which is what uniform weights give, so its row is uniform over the keys it may see
    (all keys in the encoder, keys up to its own position in the masked decoder).

    Parameters
    ----------
    forecaster : InformerForecaster
        A fitted forecaster.
    y : pd.Series or pd.DataFrame
        Data shaped like the training ``y``, at least ``seq_len + max(fh)`` points.
    X : pd.DataFrame, optional
        Exogenous data on the index of ``y``, if the forecaster was fitted with ``X``.
    stack : {"encoder", "decoder_self", "decoder_cross"}, default="encoder"
        Which attention: encoder self-attention, decoder (masked) self-attention, or
        the decoder's cross-attention over the encoder output (always full).
    layer : int, default=0
        Layer of that stack, from 0.
    head : int, default=0
        Attention head, from 0.
    window : int, default=-1
        Which window of ``y``, counted over every complete window (``seq_len`` input
        points followed by ``max(fh)`` more); -1 is the last.
    plot : bool, default=True
        Also draw the map; False returns no figure and never imports matplotlib.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    weights : pd.DataFrame
        ``(L_Q, L_K)`` weights, index ``query`` and columns ``key`` (positions in the
        layer's inputs; the encoder's layers after the first see the input distilled to
        half the length per layer). ``weights.attrs`` holds ``window`` (the time of the
        window's first point), ``stack``, ``layer``, ``head`` and ``active`` (the active
        query positions, or all of them for full attention).
    figure : matplotlib Figure or None

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerForecaster
    >>> from informer_sk.diagnostics import attention_map
    >>> y = load_airline()
    >>> forecaster = InformerForecaster(
    ...     seq_len=36, label_len=12, d_model=16, n_heads=2, d_ff=32,
    ...     train_epochs=1, validation_size=0, random_state=0,
    ... ).fit(y, fh=[1, 2, 3])
    >>> weights, _ = attention_map(forecaster, y, layer=0, head=1, plot=False)
    >>> weights.shape, bool(np.allclose(weights.sum(axis=1), 1.0))
    ((36, 36), True)
    """
    _check_choice("stack", stack, _STACKS)
    n_layers = forecaster.e_layers if stack == "encoder" else forecaster.d_layers
    layer = _check_index("layer", layer, n_layers, f"{stack} layers")
    head = _check_index("head", head, forecaster.n_heads, "heads")
    starts, times, attention = _run_attention(forecaster, y, X, window=window)
    info = attention[stack][layer]
    dense, active = _dense_weights(info, causal=stack == "decoder_self")
    weights = pd.DataFrame(
        dense[0, head],
        index=pd.RangeIndex(dense.shape[2], name="query"),
        columns=pd.RangeIndex(dense.shape[3], name="key"),
    )
    weights.attrs = {
        "window": times[0],
        "stack": stack,
        "layer": layer,
        "head": head,
        "active": np.flatnonzero(active[0, head]),
    }
    if not plot:
        return weights, None

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4), layout="constrained")
    image = ax.imshow(weights.to_numpy(), aspect="auto", cmap="viridis", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="attention weight")
    if len(weights.attrs["active"]) < len(weights):  # ProbSparse: mark the active rows
        ax.plot(
            np.full(len(weights.attrs["active"]), -0.5),
            weights.attrs["active"],
            marker=">",
            color="C3",
            linestyle="none",
            clip_on=False,
            label="active queries",
        )
        ax.legend(loc="lower left", fontsize="small")
    ax.set_xlabel("key position")
    ax.set_ylabel("query position")
    ax.set_title(f"{stack} layer {layer}, head {head}")
    return weights, ax.figure


def active_queries(forecaster, y, X=None, *, stack="encoder", layer=0, window=-1, plot=True):
    """Which queries of one window each head of a ProbSparse layer kept, and their M̄.

    Parameters
    ----------
    forecaster : InformerForecaster
        A forecaster fitted with ``attn="prob"``.
    y : pd.Series or pd.DataFrame
        Data shaped like the training ``y``, at least ``seq_len + max(fh)`` points.
    X : pd.DataFrame, optional
        Exogenous data on the index of ``y``, if the forecaster was fitted with ``X``.
    stack : {"encoder", "decoder_self"}, default="encoder"
        Encoder self-attention or the decoder's masked self-attention.
    layer : int, default=0
        Layer of that stack, from 0.
    window : int, default=-1
        Which window of ``y``, counted over every complete window; -1 is the last.
    plot : bool, default=True
        Draw the window's input series above a map of the kept queries per head
        (shaded by M̄); False returns no figure and never imports matplotlib.

    Returns
    -------
    queries : pd.DataFrame
        One row per (head, query): ``head``, ``query`` (position in the layer's
        input), ``time`` (the time stamp at that position for encoder layer 0 and the
        decoder, else NaT: distilled positions cover several time steps),
        ``sparsity`` (M̄) and ``active``.
    figure : matplotlib Figure or None

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerForecaster
    >>> from informer_sk.diagnostics import active_queries
    >>> y = load_airline()
    >>> forecaster = InformerForecaster(
    ...     seq_len=36, label_len=12, d_model=16, n_heads=2, d_ff=32, factor=2,
    ...     train_epochs=1, validation_size=0, random_state=0,
    ... ).fit(y, fh=[1, 2, 3])
    >>> queries, _ = active_queries(forecaster, y, plot=False)
    >>> queries.groupby("head")["active"].sum().tolist()  # u = 2 * ceil(ln 36) each
    [8, 8]
    """
    _require_probsparse(forecaster, "active_queries")
    _check_choice("stack", stack, _STACKS[:2])
    n_layers = forecaster.e_layers if stack == "encoder" else forecaster.d_layers
    layer = _check_index("layer", layer, n_layers, f"{stack} layers")
    starts, times, attention = _run_attention(forecaster, y, X, window=window)
    queries = _sparsity_frame(attention[stack][layer], stack, layer, times)
    queries = queries[["head", "query", "sparsity", "active"]]

    y_frame = _as_frame(y)
    seq_len, label_len = forecaster.seq_len, forecaster.label_len
    if stack == "encoder":
        rows = starts[0] + np.arange(seq_len)
        # distilling (stride-2 max-pool of width 3) centres position p of layer l
        # on input step p * 2**l
        stride = 2 ** (layer if forecaster.distil else 0)
    else:
        rows = starts[0] + seq_len - label_len + np.arange(label_len + forecaster.pred_len_)
        stride = 1
    queries.insert(2, "time", y_frame.index[rows[queries["query"].to_numpy() * stride]])
    if not plot:
        return queries, None

    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(7, 4.5), sharex=True, height_ratios=[1.2, 1], layout="constrained"
    )
    x_rows = _plottable(y_frame.index[rows])
    for column in y_frame.columns:
        top.plot(x_rows, y_frame[column].to_numpy()[rows], label=str(column))
    if stack == "decoder_self":
        top.axvspan(
            x_rows[label_len], x_rows[-1], color="0.9", label="horizon (zeros to the decoder)"
        )
    what = "encoder" if stack == "encoder" else "decoder"
    top.set_title(f"input of the {what}, window starting {times[0]}")
    top.legend(fontsize="small", loc="upper left")

    grid = queries.pivot(index="head", columns="query", values="sparsity").to_numpy()
    kept = queries.pivot(index="head", columns="query", values="active").to_numpy(bool)
    x_query = np.asarray(_plottable(pd.Index(queries.loc[queries["head"] == 0, "time"])))
    for h in range(grid.shape[0]):
        bottom.scatter(x_query[~kept[h]], np.full((~kept[h]).sum(), h), s=6, color="0.75")
        points = bottom.scatter(
            x_query[kept[h]], np.full(kept[h].sum(), h), c=grid[h, kept[h]], s=30,
            cmap="Reds", vmin=np.nanmin(grid), vmax=np.nanmax(grid), marker="s",
        )  # fmt: skip
    # one colorbar beside both panels keeps their time axes aligned
    fig.colorbar(points, ax=[top, bottom], label="M̄ of active queries", shrink=0.5, anchor=(0, 0))
    if isinstance(x_rows, pd.DatetimeIndex):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator()
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    bottom.set_yticks(range(grid.shape[0]))
    bottom.set_ylabel("head")
    bottom.invert_yaxis()
    bottom.set_xlabel("time")
    bottom.set_title(f"{stack} layer {layer}: active queries (squares), lazy ones (dots)")
    return queries, fig


def _run_attention(forecaster, y, X, *, n_windows=None, window=None):
    """Run the network on windows of ``y`` as ``predict`` does, with attention recorded.

    Returns the windows' first rows, their first time stamps, and per stack a list of
    per-layer dicts of numpy arrays (see ``Informer.forward``).
    """
    fitted = _fitted_params(forecaster)
    seq_len, label_len, pred_len = forecaster.seq_len, forecaster.label_len, fitted["pred_len"]
    y_frame, X_frame = _as_frame(y), X
    n_columns = fitted["y_scaler"].n_features_in_
    if y_frame.shape[1] != n_columns:
        raise ValueError(
            f"y has {y_frame.shape[1]} column(s) but the forecaster was fitted on "
            f"{n_columns}; pass data shaped like the training y."
        )
    if (X_frame is None) != (fitted["X_scaler"] is None):
        raise ValueError(
            "the forecaster was fitted with exogenous X, so pass X on the index of y."
            if X_frame is None
            else "the forecaster was fitted without X; pass X=None."
        )
    if X_frame is not None and not X_frame.index.equals(y_frame.index):
        raise ValueError("X must have the same index as y.")

    starts = window_starts(len(y_frame), seq_len, pred_len)
    if not len(starts):
        raise ValueError(
            f"y has {len(y_frame)} time points; a window needs seq_len={seq_len} + "
            f"max(fh)={pred_len} = {seq_len + pred_len}."
        )
    if window is not None:
        starts = starts[[_check_index("window", window, len(starts), "complete windows in y")]]
    else:  # evenly spread over y
        starts = starts[np.unique(np.linspace(0, len(starts) - 1, n_windows).round().astype(int))]

    device = fitted["device"]
    y_values = fitted["y_scaler"].transform(y_frame.to_numpy(np.float64))
    X_values = None if X_frame is None else fitted["X_scaler"].transform(X_frame.to_numpy(np.float64))
    marks = calendar_marks(y_frame.index, fitted["calendar"])
    series = SeriesTensors.from_arrays(y_values, X_values, marks, device)
    windows = Windows(series, starts, seq_len, label_len, pred_len)
    # predict's path and seed: the ProbSparse key sample is the one predict uses
    _, attention = forecast_windows(
        fitted["network"], windows, seed=fitted["seed"], batch_size=len(starts), return_attention=True
    )
    attention = {
        stack: [{k: _to_numpy(v) for k, v in info.items()} for info in infos]
        for stack, infos in attention.items()
    }
    return starts, y_frame.index[starts], attention


def _sparsity_frame(info, stack, layer, times):
    """Long frame of M̄ and the active flag from one ProbSparse layer's info."""
    sparsity = info["sparsity"]  # (B, H, L_Q)
    B, H, L_Q = sparsity.shape
    active = np.zeros((B, H, L_Q), dtype=bool)
    np.put_along_axis(active, info["top_index"], True, axis=-1)
    window, head, query = np.meshgrid(np.arange(B), np.arange(H), np.arange(L_Q), indexing="ij")
    return pd.DataFrame(
        {
            "stack": stack,
            "layer": layer,
            "window": np.asarray(times)[window.ravel()],
            "head": head.ravel(),
            "query": query.ravel(),
            "sparsity": sparsity.ravel().astype(np.float64),
            "active": active.ravel(),
        }
    )


def _dense_weights(info, causal):
    """The (B, H, L_Q, L_K) weights a layer applied, and which queries attended.

    Full attention records them all. ProbSparse records the active queries' rows
    (B, H, u, L_K); a lazy query's output, the mean of the values it may see, equals
    uniform weights over those keys.
    """
    weights = info["weights"]
    if "top_index" not in info:
        return weights, np.ones(weights.shape[:3], dtype=bool)
    B, H, L_Q = info["sparsity"].shape
    L_K = weights.shape[-1]
    if causal:
        visible = np.tril(np.ones((L_Q, L_K)))  # query i sees keys j <= i
        dense = np.broadcast_to(visible / visible.sum(axis=1, keepdims=True), (B, H, L_Q, L_K))
    else:
        dense = np.full((B, H, L_Q, L_K), 1.0 / L_K)
    dense = dense.copy()
    index = info["top_index"][..., None]  # (B, H, u, 1)
    np.put_along_axis(dense, np.broadcast_to(index, weights.shape), weights, axis=2)
    active = np.zeros((B, H, L_Q), dtype=bool)
    np.put_along_axis(active, info["top_index"], True, axis=-1)
    return dense, active


def _fitted_params(forecaster):
    """The fitted attributes the diagnostics read; a clear error before ``fit``."""
    if not getattr(forecaster, "is_fitted", False):
        raise ValueError(
            f"{type(forecaster).__name__} is not fitted yet; call fit before the "
            "diagnostics."
        )
    if getattr(forecaster, "channel_independent", False):
        raise ValueError(
            "The attention diagnostics read one multivariate series, but this forecaster "
            "is channel_independent: its network reads each column as its own series. "
            "Fit it with channel_independent=False to inspect."
        )
    if isinstance(forecaster.y_scaler_, dict):
        raise ValueError(
            "The attention diagnostics read one series with the scaling it was fitted "
            "with, but this forecaster was fitted on a panel; fit it on the series to "
            "inspect."
        )
    return {
        "history": forecaster.history_,
        "best_epoch": forecaster.best_epoch_,
        "network": forecaster.network_,
        "pred_len": forecaster.pred_len_,
        "y_scaler": forecaster.y_scaler_,
        "X_scaler": forecaster.X_scaler_,
        "calendar": forecaster.calendar_,
        "seed": forecaster.seed_,
        "device": forecaster.device_,
    }


def _plottable(index):
    """Time stamps matplotlib can draw: periods become their start times."""
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def _to_numpy(tensor):
    tensor = tensor.detach().cpu()
    return (tensor.double() if tensor.is_floating_point() else tensor).numpy()


def _as_frame(y):
    return y.to_frame() if isinstance(y, pd.Series) else y


def _require_probsparse(forecaster, function):
    if forecaster.attn != "prob":
        raise ValueError(
            f"{function} reads ProbSparse attention, but the forecaster has "
            f"attn={forecaster.attn!r}; fit it with attn='prob', or use attention_map."
        )


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {allowed}.")


def _check_index(name, value, n, what):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not -n <= value < n:
        raise ValueError(f"{name}={value!r} is out of range: there are {n} {what}.")
    return int(value) % n


def _check_positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer.")


def _pyplot():
    """matplotlib.pyplot, imported only when a figure is asked for."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            "plotting needs matplotlib: pip install 'informer-sk[plot]', or pass "
            "plot=False to get the data only."
        ) from err
    return plt
