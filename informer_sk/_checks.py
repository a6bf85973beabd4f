"""Input checks: a bad frame or horizon becomes a clear error before any state changes.

The forecaster calls these on the user's data before sktime's ``fit``, ``update`` or
``predict`` touch the forecaster, so a rejected call leaves it as it was. Every
message says which argument, what it got, what is allowed and how to fix it.

Panel and hierarchical frames (a MultiIndex whose last level is time) are checked
series by series (:func:`check_panel_data`); other panel formats are left to sktime.
"""

__all__ = [
    "InvalidDtypeError",
    "check_fit_data",
    "check_panel_data",
    "check_update_data",
    "check_predict_X",
    "check_series",
    "check_length",
    "n_validation_rows",
    "index_freq",
    "as_frame",
    "last_point",
    "freq_str",
]

import numpy as np
import pandas as pd
from sktime.forecasting.base import ForecastingHorizon

from informer_sk.windows import split_panel

# the network computes in float32; beyond this even standardised statistics and
# unscaled inputs lose meaning, and squares of the values overflow
_MAX_ABS_VALUE = 1e30


class InvalidDtypeError(ValueError, TypeError):
    """A column is not real-valued: bool, string, object, categorical or datetime.

    A ``ValueError`` like every other input error here, and a ``TypeError`` as sktime
    raises for categorical data.
    """


def check_fit_data(y, X, fh, seq_len, validation_size, check_lengths=True):
    """Check fit's data and horizon before sktime touches the forecaster.

    Data that is not one series (sktime's Panel and Hierarchical data) is left to
    :func:`check_panel_data`. ``check_lengths=False`` leaves the length to the caller
    (after pretrain, it depends on the pretrained network).
    """
    y_frame = as_frame(y)
    if y_frame is None:
        return
    X_frame = None if X is None else as_frame(X)
    # types and values of every frame first: they say more than a length would
    check_series(y_frame, "y")
    if X_frame is not None:
        check_series(X_frame, "X")
        _check_covers(X_frame, y_frame.index, "fit")
    freq = index_freq(y_frame.index, "y")
    if fh is None:
        return  # sktime says that this forecaster needs fh in fit
    steps = _check_horizon(fh, last_point(y_frame.index, freq), freq)
    if steps is None or not check_lengths:
        return  # sktime's own error on what fh may be
    pred_len = int(steps.max())
    n_rows = len(y_frame)
    check_length(n_rows, seq_len, pred_len, n_validation_rows(n_rows, validation_size, pred_len))


def check_panel_data(y, X, method, name="y", regular=True):
    """Check every series of a panel or hierarchical frame ``y`` (and ``X``).

    Each series must pass :func:`check_series` and have a regular index; ``X`` must
    hold every series of ``y`` at its time points. Frames with a plain index, and
    panel formats other than a MultiIndex frame, are left to other checks.
    ``regular=False`` skips the grid check (future X in predict may be sparse).
    """
    frame = y.to_frame() if isinstance(y, pd.Series) else y
    if not (isinstance(frame, pd.DataFrame) and isinstance(frame.index, pd.MultiIndex)):
        return
    # sktime's conversions from other panel formats can leave floats in object columns
    frame = frame.infer_objects()
    X = X.infer_objects() if isinstance(X, pd.DataFrame) else X
    X_parts = dict(split_panel(X)) if isinstance(X, pd.DataFrame) else {}
    for key, part in split_panel(frame):
        series = f"{name} series {key!r}"
        check_series(part, series)
        if regular:
            index_freq(part.index, series)
        if X is None or not X_parts:
            continue
        if key not in X_parts:
            raise ValueError(
                f"X passed to {method} lacks series {key!r} of y; pass X holding every "
                "series of y, at its time points."
            )
        check_series(X_parts[key], f"X series {key!r}")
        _check_covers(X_parts[key], part.index, method)


def check_update_data(y, X, fitted_y, fitted_X, freq):
    """Check update's data against the fitted series before sktime moves the cutoff.

    ``fitted_y`` and ``fitted_X`` are the forecaster's context frames (``fitted_X``
    None without exogenous data), ``freq`` the step of the fitted index.
    """
    y_frame = as_frame(y)
    if y_frame is None or len(y_frame) == 0:
        return  # a panel is checked by sktime and each clone; an empty y is a no-op
    check_series(y_frame, "y")
    if not (y_frame.shape[1] == 1 == fitted_y.shape[1]):  # one column may be renamed
        _check_same_columns(y_frame, fitted_y.columns, "y", "update")
    _check_continues(y_frame.index, fitted_y.index, freq, "update")
    if fitted_X is None:
        return  # X is not used, as by sktime's forecasters without exogenous data
    if X is None:
        raise ValueError(
            "This forecaster was fitted with exogenous X, so update needs X with rows "
            "at the time points of y."
        )
    X_frame = as_frame(X)
    if X_frame is not None:
        check_series(X_frame, "X")
        _check_same_columns(X_frame, fitted_X.columns, "X", "update")
        _check_covers(X_frame, y_frame.index, "update")


def check_predict_X(X, fitted_columns, horizon):
    """Raise unless ``X`` holds the fitted exogenous columns at every step of the horizon."""
    if X is None:
        raise ValueError(
            "This forecaster was fitted with exogenous X, so predict needs X with the "
            "future values for the steps of fh."
        )
    check_series(X, "X")
    _check_same_columns(X, fitted_columns, "X", "predict")
    missing = horizon.difference(X.index)
    if len(missing):
        raise ValueError(
            f"X passed to predict lacks rows at {len(missing)} of the {len(horizon)} "
            f"steps of fh, the first {missing[0]!r}; pass X holding the future values "
            "for every step of fh."
        )


def as_frame(obj):
    """``obj`` as a DataFrame if it is one series (Series, DataFrame, 1D/2D array), else None."""
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if isinstance(obj, pd.DataFrame) and not isinstance(obj.index, pd.MultiIndex):
        if len(obj) and any(isinstance(v, pd.Series) for v in obj.iloc[0]):
            return None  # sktime's nested_univ panel: a series in every cell
        return obj
    if isinstance(obj, np.ndarray) and obj.ndim in (1, 2):
        return pd.DataFrame(obj)
    return None


def check_series(frame, name):
    """Raise if ``frame`` is empty, not real-valued, not finite, or not sorted and unique.

    ``name`` is the argument's name in the user's call, e.g. ``"y"`` or ``"X"``.
    Whether the index is a regular grid is :func:`index_freq`'s question.
    """
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(
            f"{name} is empty ({frame.shape[0]} time points, {frame.shape[1]} columns); "
            f"pass a series with at least one column and enough time points."
        )
    _check_dtypes(frame, name)
    _check_values(frame, name)
    _check_index_order(frame.index, name)


def _check_dtypes(frame, name):
    for column, dtype in frame.dtypes.items():
        types = pd.api.types
        if types.is_numeric_dtype(dtype) and not (
            types.is_bool_dtype(dtype) or types.is_complex_dtype(dtype)
        ):
            continue
        raise InvalidDtypeError(
            f"{name} column {column!r} has dtype {dtype}, but InformerForecaster needs "
            "real numbers (int or float columns): bool, string, object, complex, datetime "
            f"and categorical data are not supported. Convert the column, e.g. "
            f"{name}[{column!r}] = {name}[{column!r}].astype(float), encode categories as "
            "numbers, or drop it."
        )


def _check_values(frame, name):
    missing = frame.isna().to_numpy()
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise ValueError(
            f"{name} has {_count(missing.sum(), 'missing value')} (NaN), the first at "
            f"{frame.index[row]!r} in column {frame.columns[col]!r}; InformerForecaster "
            f"cannot use missing values. Fill them first, e.g. {name} = {name}.interpolate() "
            f"or {name}.ffill(), or pass a time range without them."
        )
    values = frame.to_numpy(np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) >= _MAX_ABS_VALUE)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} has {_count(bad.sum(), 'infinite or too large value')}, the first "
            f"{values[row, col]!r} at {frame.index[row]!r} in column {frame.columns[col]!r}; "
            f"values must be finite and below {_MAX_ABS_VALUE:g} in magnitude. Replace "
            f"or drop them, or rescale {name} (e.g. divide by a power of ten)."
        )


def _check_index_order(index, name):
    duplicated = index.duplicated()
    if duplicated.any():
        raise ValueError(
            f"{name}'s time index has {_count(duplicated.sum(), 'duplicate time point')}, the "
            f"first {index[duplicated][0]!r}; every time point must appear once. Aggregate "
            f"them, e.g. {name} = {name}.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"{name}'s time index is not sorted in increasing order; sort it first, "
            f"e.g. {name} = {name}.sort_index()."
        )


def index_freq(index, name):
    """The step of a regular time index: a pandas offset, or 1 for an integer index.

    Raises a ValueError for an irregular index, a ``DatetimeIndex`` whose frequency
    cannot be inferred, or an index type without steps.
    """
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
        expected = pd.period_range(index[0], periods=len(index), freq=freq)
        if not np.array_equal(index.asi8, expected.asi8):
            raise _irregular(index, name, f"a PeriodIndex of freq {index.freqstr!r} with gaps")
        return freq
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq
        if freq is None and len(index) >= 3:
            freq = pd.infer_freq(index)
        if freq is None:
            if len(index) < 3:
                raise ValueError(
                    f"{name}'s DatetimeIndex has {len(index)} time points and no freq, and "
                    "pandas needs 3 to infer one; set it, e.g. "
                    f"{name}.index.freq = 'h', or pass more time points."
                )
            raise _irregular(index, name, "a DatetimeIndex without an inferable frequency")
        return pd.tseries.frequencies.to_offset(freq)
    if pd.api.types.is_integer_dtype(index.dtype):
        steps = np.diff(index.to_numpy())
        if len(steps) and not (steps == 1).all():
            raise ValueError(
                f"{name}'s integer time index must count time points one by one (steps "
                f"of 1, as sktime forecasts at cutoff + 1, cutoff + 2, ...), but it has "
                f"steps of {sorted(set(steps.tolist()))[:5]}; pass a RangeIndex, e.g. "
                f"{name} = {name}.reset_index(drop=True), or a regular DatetimeIndex."
            )
        return 1
    raise ValueError(
        f"{name}'s time index is a {type(index).__name__} of dtype {index.dtype}; "
        "InformerForecaster needs a DatetimeIndex, a PeriodIndex or an integer index."
    )


def _irregular(index, name, what):
    steps = pd.Series(index[1:] - index[:-1]).value_counts().index
    if isinstance(index, pd.DatetimeIndex):
        step = pd.tseries.frequencies.to_offset(steps[0]).freqstr
        fix = f"{name} = {name}.asfreq({step!r}).interpolate()"
    else:
        fix = f"{name} = {name}.reindex(pd.period_range({name}.index[0], {name}.index[-1]))"
        fix += ".interpolate()"
    return ValueError(
        f"{name} has an irregular time index ({what}; the most common steps between "
        f"time points are {list(steps[:3])}). InformerForecaster needs a regular grid: "
        f"resample it onto one, e.g. {fix}, and check the filled values."
    )


def _check_covers(X, y_index, method):
    """Raise unless ``X`` holds a row for every time point of ``y``."""
    missing = y_index.difference(X.index)
    if len(missing):
        raise ValueError(
            f"X passed to {method} lacks rows at {len(missing)} of the {len(y_index)} "
            f"time points of y, the first {missing[0]!r}; X must hold a row for every "
            "time point of y (further rows are ignored)."
        )


def _check_horizon(fh, cutoff, freq):
    """Relative steps of an out-of-sample ``fh``, or None where sktime should decide.

    Raises a ValueError for an empty ``fh`` or absolute time points off the grid of
    ``y``. ``fh`` that sktime cannot read, or that reaches into the past (sktime's
    in-sample ``NotImplementedError``), is left to sktime.
    """
    try:
        fh = fh if isinstance(fh, ForecastingHorizon) else ForecastingHorizon(fh)
    except (TypeError, ValueError):
        return None  # sktime's own message on what fh may be
    if len(fh) == 0:
        raise ValueError("fh is empty; pass the steps ahead to forecast, e.g. fh=[1, 2, 3].")
    try:
        steps = fh.to_relative(cutoff)
        absolute = fh.to_absolute_index(cutoff)
    except (TypeError, ValueError):
        return None
    if not steps.is_all_out_of_sample():
        return None
    on_grid = steps.to_absolute_index(cutoff)
    if not on_grid.equals(absolute):
        off = absolute.difference(on_grid)
        raise ValueError(
            f"fh holds {_count(len(off), 'time point')} off the grid of y (freq "
            f"{freq_str(freq)}), the first {off[0]!r}; pass time points on the grid, "
            "or steps ahead as integers, e.g. fh=[1, 2, 3]."
        )
    return np.asarray(steps, dtype=int)


def last_point(index, freq):
    """The last time point of ``index`` as sktime's cutoff: an index carrying ``freq``."""
    if isinstance(index, pd.DatetimeIndex):
        return pd.DatetimeIndex(index[-1:], freq=freq)
    return index[-1:]


def _count(n, noun):
    return f"{int(n)} {noun}" + ("" if n == 1 else "s")


def freq_str(freq):
    return getattr(freq, "freqstr", freq)


def check_length(n_rows, seq_len, pred_len, n_val_rows):
    """Raise unless a series of ``n_rows`` holds training (and validation) windows."""
    needed = seq_len + pred_len + n_val_rows
    if n_rows < needed:
        raise ValueError(
            f"y has {n_rows} time points, but InformerForecaster needs at least "
            f"{needed} (seq_len={seq_len} + max(fh)={pred_len}"
            + (f" + {n_val_rows} validation points" if n_val_rows else "")
            + "); pass a longer series or lower seq_len"
            + (" or validation_size." if n_val_rows else ".")
        )


def n_validation_rows(n_rows, validation_size, pred_len):
    """Rows of the validation tail; raise if it cannot hold one validation window."""
    if not validation_size:
        return 0
    n_val = int(round(validation_size * n_rows))
    if n_val < pred_len:
        raise ValueError(
            f"validation_size={validation_size} keeps {n_val} of {n_rows} points for "
            f"validation, fewer than the horizon max(fh)={pred_len}, so no validation "
            "window fits; raise validation_size, pass a longer series, or set "
            "validation_size=0 to train without early stopping."
        )
    return n_val


def _check_same_columns(frame, fitted_columns, name, method):
    """Raise unless ``frame`` has the columns the forecaster was fitted with."""
    if set(frame.columns) == set(fitted_columns) and len(frame.columns) == len(fitted_columns):
        return
    raise ValueError(
        f"{name} passed to {method} has columns {list(frame.columns)}, but the forecaster "
        f"was fitted on {name} with columns {list(fitted_columns)}; pass the same columns "
        "(refit to change them)."
    )


def _check_continues(index, context_index, freq, method):
    """Raise unless new time points extend the fitted series on its grid, without a gap."""
    if _kind(index) != _kind(context_index):
        raise ValueError(
            f"y passed to {method} has a time index of kind {_kind(index)}, but the "
            f"forecaster was fitted on one of kind {_kind(context_index)}; pass y on the "
            "fitted time axis."
        )
    cutoff = context_index[-1]
    if len(index) == 1:
        on_grid = True
    else:
        expected = _grid(index[0], len(index), freq)
        on_grid = np.array_equal(np.asarray(index), np.asarray(expected))
    after_cutoff = _grid(cutoff, 2, freq)[1]
    joins = (
        index[0] in context_index
        or index[0] == after_cutoff
        or (index[0] < context_index[0] and context_index[0] in index)
    )
    if not (on_grid and joins):
        raise ValueError(
            f"y passed to {method} starts at {index[0]!r} and must continue the fitted "
            f"series on its grid (freq {freq_str(freq)}): its time points must be "
            f"regular and the first at most one step after the cutoff {cutoff!r}, with "
            "no gap. Pass the points in between, or refit on the whole series."
        )
    if index[-1] < cutoff:
        raise ValueError(
            f"y passed to {method} ends at {index[-1]!r}, before the cutoff {cutoff!r}; "
            "update takes new data: time points after the cutoff (rows at earlier time "
            "points may come with them and replace the old ones)."
        )


def _kind(index):
    """What must agree for two indexes to lie on one time axis."""
    if isinstance(index, pd.PeriodIndex):
        return "PeriodIndex", index.freqstr
    if isinstance(index, pd.DatetimeIndex):
        return "DatetimeIndex", str(index.tz)
    return "integer" if pd.api.types.is_integer_dtype(index.dtype) else str(index.dtype)


def _grid(start, periods, freq):
    if isinstance(start, pd.Period):
        return pd.period_range(start, periods=periods, freq=freq)
    if isinstance(start, pd.Timestamp):
        return pd.date_range(start, periods=periods, freq=freq)
    return pd.Index(np.arange(start, start + periods))
