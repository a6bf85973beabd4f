"""Network outputs back on the user's scale: point forecasts, quantiles, Normal scales.

The network emits, per series and horizon step, a point forecast, ordered quantiles
(quantile head) or a Normal's mean and standard deviation (Normal head), all on the
standardised scale. These functions turn them into what sktime's ``predict``,
``predict_quantiles``, ``predict_var`` and ``predict_proba`` return, on the scale of
``y``, and hold columns that were constant in training at their constant.
"""

__all__ = [
    "LEVEL_TOLERANCE",
    "check_alpha_in_range",
    "check_finite",
    "forecast_frame",
    "held",
    "held_all",
    "held_columns",
    "hold_constants",
    "normal_scale",
    "point_forecast",
    "quantiles_at",
    "to_user_scale",
    "to_user_scale_all",
    "unscale",
    "unscale_all",
]

import numpy as np
import pandas as pd
from scipy.stats import norm

from informer_sk import _checks
from informer_sk.training import TrainingDiverged


# levels within this distance of a trained level count as that level: sktime asks
# for 0.5 - 0.9 / 2 = 0.04999999999999999 when a user asks for a 90% interval
LEVEL_TOLERANCE = 1e-9


def check_alpha_in_range(alpha, levels):
    low, high = levels[0] - LEVEL_TOLERANCE, levels[-1] + LEVEL_TOLERANCE
    outside = [a for a in alpha if not low <= a <= high]
    if outside:
        raise ValueError(
            f"Quantile levels {outside} lie outside the levels the network was trained "
            f"on, [{levels[0]}, {levels[-1]}] (parameter quantiles={levels}); add them "
            "to quantiles and fit again, or ask for a narrower interval."
        )


def point_forecast(out, config):
    """The point forecast (pred_len, c) of a head's output: median, mean or itself."""
    if config.head == "quantile":
        return out[..., config.quantiles.index(0.5)]
    return out[..., 0] if config.head == "normal" else out


def quantiles_at(out, config, alpha):
    """Quantiles (pred_len, c, A) at the levels ``alpha``, on the standardised scale.

    Between two trained levels the quantile is interpolated linearly and clipped to
    the two neighbours, so that rounding cannot make neighbouring segments cross.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    if config.head == "normal":
        return out[..., :1] + out[..., 1:] * norm.ppf(alpha)  # (pred_len, c, A)
    levels = np.asarray(config.quantiles)
    i = np.clip(np.searchsorted(levels, alpha, side="right") - 1, 0, len(levels) - 2)  # (A,)
    w = np.clip((alpha - levels[i]) / (levels[i + 1] - levels[i]), 0.0, 1.0)
    lower, upper = out[..., i], out[..., i + 1]  # (pred_len, c, A)
    return np.minimum(np.maximum(lower + w * (upper - lower), lower), upper)


def normal_scale(out, config):
    """Standard deviation (pred_len, c) of a head's forecast, on the standardised scale.

    For the quantile head: the slope of the least-squares line through the trained
    quantiles against the standard Normal's, i.e. the best-fitting Normal's scale.
    """
    if config.head == "normal":
        return out[..., 1]
    z = norm.ppf(config.quantiles)
    z = z - z.mean()
    return (out * z).sum(axis=-1) / (z**2).sum()


def unscale(values, scaler, shift=True):
    """Undo the per-column standardisation of ``values`` (pred_len, c[, k]).

    Quantiles and means: mean + std * value; spreads (``shift=False``): std * value.
    """
    mean, std = _statistics([scaler])
    return unscale_all(values[None], mean, std, shift)[0]


def unscale_all(values, mean, std, shift=True):
    """:func:`unscale` of every series: ``values`` (n, pred_len, c[, k]), ``mean``/``std`` (n, c)."""
    shape = (len(values), 1, -1) + (1,) * (values.ndim - 3)  # broadcast over the column axis
    std = 1.0 if std is None else std.reshape(shape)
    mean = 0.0 if mean is None or not shift else mean.reshape(shape)
    return mean + std * values


def _statistics(scalers):
    """Means and standard deviations (n, c) of fitted scalers; None where not scaled."""
    if scalers[0].mean_ is None:
        return None, None
    return np.stack([s.mean_ for s in scalers]), np.stack([s.scale_ for s in scalers])


def hold_constants(forecast, y_past, constants):
    """Forecast a column constant in training and in the current input as that constant.

    Standardising maps such a column to zeros (unit scale, as scikit-learn does for
    zero variance); the network's output there is near zero but not zero, which the
    inverse scaling would add to the constant as noise.
    """
    return held(forecast, y_past, constants)


def held(values, y_past, constants, fill=None):
    """``values`` (pred_len, c[, k]) with the columns ``hold_constants`` holds set.

    Set to their constant, or to ``fill`` (0 for a spread): a degenerate forecast
    distribution at the constant.
    """
    return held_all(values[None], y_past[None], constants[None], fill)[0]


def held_all(values, y_past, constants, fill=None):
    """:func:`held` of every series: ``values`` (n, pred_len, c[, k]), ``y_past`` (n, L, c)."""
    hold = held_columns(y_past, constants)  # (n, c)
    series, column = np.nonzero(hold)
    fill = constants[series, column] if fill is None else np.full(len(series), fill)
    values[series, :, column] = fill.reshape((-1,) + (1,) * (values.ndim - 2))
    return values


def held_columns(y_past, constants):
    """Columns constant in training and in the input ``y_past`` (L, c), or of every series.

    ``y_past`` (n, L, c) and ``constants`` (n, c) give an (n, c) mask.
    """
    if y_past.ndim == 2:
        return _checks.held_columns(y_past, constants)  # NaN, a varying column, never held
    n, length, c = y_past.shape
    by_column = y_past.transpose(1, 0, 2).reshape(length, n * c)  # a column per series and column
    return _checks.held_columns(by_column, constants.reshape(-1)).reshape(n, c)


def to_user_scale(out, kind, config, context, y_past, alpha=None):
    """One window's network output as ``kind``, on the scale of its series.

    Parameters
    ----------
    out : np.ndarray
        (pred_len, c) or (pred_len, c, n_outputs): the head's output, standardised.
    kind : {"point", "quantiles", "var", "mean", "std"}
        The point forecast (median or mean of a probabilistic head), quantiles at
        ``alpha``, the variance, or the Normal head's mean or standard deviation.
    config : informer_sk.nn.InformerConfig
    context : informer_sk.series.SeriesContext
        The series' scaling statistics and constants.
    y_past : np.ndarray
        (seq_len, c) the input window's targets, on the user's scale: a column
        constant there and in training is forecast as that constant.
    alpha : sequence of float, optional
        The levels, for ``kind="quantiles"``.

    Returns
    -------
    np.ndarray
        (pred_len, c), or (pred_len, c, len(alpha)) for quantiles.
    """
    return to_user_scale_all(out[None], kind, config, [context], y_past[None], alpha)[0]


def to_user_scale_all(out, kind, config, contexts, y_past, alpha=None):
    """:func:`to_user_scale` of one window per series, for every series at once.

    ``out`` is (n, pred_len, c[, n_outputs]), ``contexts`` the n series' contexts in
    order and ``y_past`` (n, seq_len, c); returns (n, pred_len, c[, len(alpha)]).
    """
    mean, std = _statistics([c.y_scaler for c in contexts])
    constants = np.stack([c.constants for c in contexts])  # (n, c)
    if kind == "point":
        values = unscale_all(point_forecast(out, config), mean, std)
        return held_all(values, y_past, constants)
    if kind == "quantiles":
        return held_all(unscale_all(quantiles_at(out, config, alpha), mean, std), y_past, constants)
    if kind == "var":
        spread = unscale_all(normal_scale(out, config), mean, std, shift=False)
        return held_all(spread**2, y_past, constants, 0.0)
    if kind == "mean":
        return held_all(unscale_all(out[..., 0], mean, std), y_past, constants)
    spread = unscale_all(out[..., 1], mean, std, shift=False)  # kind == "std"
    return held_all(spread, y_past, constants, 0.0)


def forecast_frame(values, keys, horizon, columns, names):
    """Forecasts of every series (n, k, c[, A]) as one frame in the form of ``y``.

    ``horizon`` holds the k time stamps of each series, series after series; for a
    panel the index also holds the series ``keys`` under the level ``names``.
    """
    n, k = values.shape[:2]
    index = horizon
    if keys[0] is not None:
        levels = list(zip(*keys)) if isinstance(keys[0], tuple) else [keys]
        index = pd.MultiIndex.from_arrays(
            [np.repeat(np.asarray(level, dtype=object), k) for level in levels] + [horizon], names=names
        )
    return pd.DataFrame(values.reshape(n * k, -1), index=index, columns=columns)


def check_finite(values, scale, learning_rate):
    """Raise ``TrainingDiverged`` if a forecast holds NaN or infinite values."""
    if not np.isfinite(values).all():
        # the loss is checked during training, so a last step can diverge unseen
        raise TrainingDiverged(
            "The fitted network forecasts NaN or infinite values: its training "
            "diverged, or the inputs are too large for float32 arithmetic. Keep "
            f"scale=True (now {scale}), lower learning_rate (now {learning_rate:g}) or "
            "set gradient_clip, and fit again."
        )
