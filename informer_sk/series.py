"""Per-series context and scaling: a frame or panel in, what the network needs of each series.

A frame with a plain time index is one series; in sktime's panel and hierarchical
frames every instance is one. For each, the forecaster keeps a :class:`SeriesContext`:
its last points (enough to forecast and to fine-tune), its scaling statistics (of the
training rows only, so the validation tail does not leak into them), the value of each
column that is constant in training, and its row of the series embedding.
:func:`to_tensors` scales a series with its statistics into the model's tensors.
"""

__all__ = [
    "SeriesContext",
    "append",
    "check_update_series",
    "common_freq",
    "constant_values",
    "fit_scaler",
    "in_pretrained_order",
    "match_pretrained",
    "series_name",
    "series_parts",
    "series_rows",
    "tail",
    "to_tensors",
]

import dataclasses
import warnings

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from informer_sk import _checks
from informer_sk.calendar import calendar_marks
from informer_sk.windows import SeriesTensors, split_panel


def constant_values(y):
    """Per column of ``y``: the level it is held at where (nearly) constant, else NaN.

    Nearly: a spread below what float32 resolves at the column's level (see
    ``_checks.near_constant_columns``); standardising such a column would turn its
    rounding noise into signal.
    """
    return _checks.constant_levels(y.to_numpy(np.float64))


def fit_scaler(frame, scale):
    return StandardScaler(with_mean=scale, with_std=scale).fit(frame.to_numpy(np.float64))


@dataclasses.dataclass
class SeriesContext:
    """What the forecaster keeps of one series: its last points, scaling and identity."""

    y: pd.DataFrame
    X: pd.DataFrame | None
    y_scaler: StandardScaler
    x_scaler: StandardScaler | None
    constants: np.ndarray  # per column: its value where constant in training, else NaN
    series_id: int  # row of the series embedding; -1 for a series not trained on


def to_tensors(y, X, context, spec, device, n_series):
    """Scale a frame (and its exogenous frame) with a series' statistics into tensors."""
    y_values = context.y_scaler.transform(y.to_numpy(np.float64))
    X_values = None if X is None else context.x_scaler.transform(X.to_numpy(np.float64))
    marks = calendar_marks(y.index, spec)
    series_id = context.series_id if n_series else None
    return SeriesTensors.from_arrays(y_values, X_values, marks, device, series_id)


def tail(context, n_rows):
    X = None if context.X is None else context.X.iloc[-n_rows:]
    return dataclasses.replace(context, y=context.y.iloc[-n_rows:], X=X)


def series_parts(y, X):
    """``[(key, y, X), ...]`` of every series; X's rows beyond y's are dropped."""
    X_parts = dict(split_panel(X)) if X is not None else {}
    return [
        (key, y_i, None if X is None else X_parts[key].loc[y_i.index])
        for key, y_i in split_panel(y)
    ]


def series_name(key):
    return "y" if key is None else f"y series {key!r}"


def common_freq(parts, expected=None):
    """The frequency every series shares; ``expected`` is the pretrained one."""
    freqs = [(key, _checks.index_freq(y_i.index, series_name(key))) for key, y_i, _ in parts]
    key, freq = freqs[0]
    for other, other_freq in freqs[1:]:
        if other_freq != freq:
            raise ValueError(
                f"The series of y have different frequencies: series {key!r} has "
                f"{_checks.freq_str(freq)}, series {other!r} has "
                f"{_checks.freq_str(other_freq)}. One InformerForecaster models series "
                "of one frequency: resample them onto one grid, e.g. with "
                "y.groupby(level=...).resample(...), or fit one forecaster per frequency."
            )
    if expected is not None and freq != expected:
        raise ValueError(
            f"y has frequency {_checks.freq_str(freq)}, but the forecaster was pretrained "
            f"on series of frequency {_checks.freq_str(expected)}; pass series of that "
            "frequency, or pretrain a forecaster on series like these."
        )
    return freq


def series_rows(parts, seq_len, pred_len, validation_size, train):
    """Rows and validation tail of every series, raising where they cannot serve.

    Every series needs ``seq_len`` points to be forecast. For training, a series too
    short for a training window is skipped with a warning (its tail is set to 0) as
    long as another series gives windows; one series alone keeps its own messages.
    """
    lengths = [len(y_i) for _, y_i, _ in parts]
    if parts[0][0] is None and train:
        n_val = _checks.n_validation_rows(lengths[0], validation_size, pred_len)
        _checks.check_length(lengths[0], seq_len, pred_len, n_val)
        return lengths, [n_val]
    for (key, _, _), n_rows in zip(parts, lengths):
        if n_rows < seq_len:
            raise ValueError(
                f"{series_name(key)} has {n_rows} time points, but every series needs "
                f"at least seq_len={seq_len} to be forecast; pass more of its history, "
                "drop it, or lower seq_len."
            )
    if not train:
        return lengths, [0] * len(parts)
    n_val_rows = [int(round(validation_size * n)) if validation_size else 0 for n in lengths]
    short = [i for i, n in enumerate(lengths) if n - n_val_rows[i] < seq_len + pred_len]
    if len(short) == len(parts):
        longest = int(np.argmax(lengths))
        raise ValueError(
            f"None of the {len(parts)} series of y gives a training window: each needs "
            f"seq_len={seq_len} + max(fh)={pred_len} points before its validation tail "
            f"(validation_size={validation_size}); the longest, series "
            f"{parts[longest][0]!r}, has {lengths[longest]}. Pass longer series, or "
            "lower seq_len or validation_size."
        )
    if short:
        keys = [parts[i][0] for i in short]
        warnings.warn(
            f"{len(short)} of the {len(parts)} series of y are too short for a training "
            f"window (seq_len={seq_len} + max(fh)={pred_len} points before the "
            f"validation tail) and are only forecast, not trained on: {keys[:5]}"
            + (" ..." if len(keys) > 5 else ""),
            stacklevel=4,
        )
        for i in short:
            n_val_rows[i] = 0
    if validation_size and max(n_val_rows) < pred_len:
        raise ValueError(
            f"validation_size={validation_size} keeps at most {max(n_val_rows)} points of "
            f"a series for validation, fewer than the horizon max(fh)={pred_len}, so no "
            "validation window fits; raise validation_size, pass longer series, or set "
            "validation_size=0 to train without early stopping."
        )
    return lengths, n_val_rows


def match_pretrained(y, X, pred_len, data, config):
    """``y`` and ``X`` with the pretrained columns in their order; raise where they differ."""
    if pred_len > config.pred_len:
        raise ValueError(
            f"fh reaches {pred_len} steps ahead, but the pretrained network forecasts at "
            f"most {config.pred_len} (the largest step of the fh passed to pretrain); "
            "pass fh within it, or pretrain again with a longer fh."
        )
    y_columns, X_columns = data["y_columns"], data["X_columns"]
    y = in_pretrained_order(y, y_columns, "y")
    if (X is None) != (X_columns is None):
        raise ValueError(
            "X passed to fit is "
            + ("None, but the forecaster was pretrained with exogenous X: pass X "
               f"with columns {X_columns}." if X is None else
               "given, but the forecaster was pretrained without X: pass X=None, "
               "or pretrain with X.")  # fmt: skip
        )
    if X is not None:
        X = in_pretrained_order(X, X_columns, "X")
    return y, X


def in_pretrained_order(frame, columns, name):
    """``frame`` with the pretrained ``columns`` in their order; other names by position."""
    if frame.shape[1] != len(columns):
        raise ValueError(
            f"{name} passed to fit has {frame.shape[1]} columns {list(frame.columns)}, but "
            f"the forecaster was pretrained on {name} with {len(columns)}, {columns}; pass "
            "as many columns, in the pretrained order, or pretrain on series like these."
        )
    return frame[columns] if set(frame.columns) == set(columns) else frame


def check_update_series(y, X, contexts, freq):
    """Check update's data, series by series, against the fitted contexts."""
    y_frame = y.to_frame() if isinstance(y, pd.Series) else y
    is_panel = isinstance(y_frame, pd.DataFrame) and isinstance(y_frame.index, pd.MultiIndex)
    fitted_panel = None not in contexts
    if is_panel != fitted_panel:
        # without this, sktime fails deep inside with a KeyError or a missing level
        raise ValueError(
            "y passed to update is a single series, but the forecaster was fitted on a "
            f"panel of {len(contexts)} series; pass the new points as a panel whose outer "
            f"index levels name fitted series (it knows {list(contexts)[:5]})."
            if fitted_panel
            else "y passed to update is a panel, but the forecaster was fitted on a single "
            "series; pass the new points of that series as a pd.Series or pd.DataFrame."
        )
    if not is_panel:
        context = contexts[None]
        _checks.check_update_data(y, X, context.y, context.X, freq)
        return
    X_parts = dict(split_panel(X)) if isinstance(X, pd.DataFrame) else {}
    for key, y_i in split_panel(y_frame):
        context = contexts.get(key)
        if context is None:
            raise ValueError(
                f"y passed to update holds series {key!r}, which the forecaster was not "
                f"fitted on (it knows {list(contexts)[:5]}); update continues fitted "
                "series: fit again to add series."
            )
        X_i = X_parts.get(key) if X is not None else None
        if X is not None and context.X is not None and X_i is None:
            raise ValueError(f"X passed to update lacks series {key!r}; pass X of every series of y.")
        _checks.check_update_data(y_i, X_i, context.y, context.X, freq)


def append(old, new):
    """``old`` followed by ``new``; rows of ``new`` replace rows of ``old`` at equal times."""
    if new is None:
        return old
    both = pd.concat([old, new])
    return both[~both.index.duplicated(keep="last")].sort_index()
