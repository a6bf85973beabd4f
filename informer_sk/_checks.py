"""Input checks: a bad frame or horizon becomes a clear error before any state changes.

The forecaster calls these on the user's data before sktime's ``fit``, ``update`` or
``predict`` touch the forecaster, so a rejected call leaves it as it was. Every
message says which argument, what it got, what is allowed and how to fix it; a fix
is written out only where it is right for the data at hand (the grid a missing
point belongs on, the format of date strings), and otherwise described.

Panels and hierarchies are checked series by series (:func:`check_panel_data`): as
a MultiIndex frame whose last level is time, a list of frames (sktime's ``df-list``),
a 3D array (``numpy3D``) or a frame with a series in every cell (``nested_univ``).
"""

__all__ = [
    "InvalidDtypeError",
    "InSampleHorizonError",
    "check_fit_data",
    "check_panel_data",
    "check_update_data",
    "check_predict_X",
    "check_series",
    "check_fh",
    "check_random_state",
    "check_length",
    "n_validation_rows",
    "index_freq",
    "as_frame",
    "panel_parts",
    "last_point",
    "freq_str",
    "param_changed",
    "near_constant_columns",
    "constant_levels",
    "held_columns",
]

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from pandas.tseries.frequencies import to_offset
from sktime.forecasting.base import ForecastingHorizon

from informer_sk.windows import split_panel

# the network computes in float32; beyond this even standardised statistics and
# unscaled inputs lose meaning, and squares of the values overflow
_MAX_ABS_VALUE = 1e30

# a column whose spread is below this fraction of its magnitude is constant up to
# rounding: below float32's resolution (1.2e-7), which the network computes in, and
# above the point where scikit-learn's StandardScaler gives up on the variance and
# scales by 1 (about n_rows * 2.2e-16 of the level)
NEAR_CONSTANT_RTOL = 1e-8
# spreads below this are zero for any level: their squares underflow float64
_TINY_SPREAD = np.sqrt(np.finfo(np.float64).tiny)

# grids tried for a DatetimeIndex with gaps, besides those pandas infers from runs
# of consecutive points and the greatest common step
_CALENDAR_FREQS = ("D", "B", "MS", "ME", "QS", "QE", "YS", "YE")


class InvalidDtypeError(ValueError, TypeError):
    """A column is not real-valued: bool, string, object, categorical or datetime.

    A ``ValueError`` like every other input error here, and a ``TypeError`` as sktime
    raises for categorical data.
    """


class InSampleHorizonError(NotImplementedError, ValueError):
    """``fh`` holds time points at or before the cutoff.

    A ``NotImplementedError``, as sktime raises for in-sample horizons of forecasters
    without the ``capability:insample`` tag, and a ``ValueError`` like every other
    input error here.
    """


def check_fit_data(y, X, fh, seq_len, validation_size, check_lengths=True):
    """Check fit's data and horizon before sktime touches the forecaster.

    For data that is not one series (sktime's Panel and Hierarchical data) only ``fh``
    is checked here, against the last time point of the series, after
    :func:`check_panel_data`; the lengths are the forecaster's to check, series by
    series. ``check_lengths=False`` leaves the length to the caller (after pretrain,
    it depends on the pretrained network).
    """
    y_frame = as_frame(y)
    if y_frame is None:
        _check_panel_fh(y, X, fh)
        return
    X_frame = None if X is None else as_frame(X)
    # types and values of every frame first: they say more than a length would
    freq = check_series(y_frame, "y", regular=True)
    if X_frame is not None:
        check_series(X_frame, "X")
        _check_covers(X_frame, y_frame.index, "fit")
    if fh is None:
        return  # sktime says that this forecaster needs fh in fit
    steps = check_fh(fh, last_point(y_frame.index, freq), freq)
    if steps is None or not check_lengths:
        return  # sktime's own error on what fh may be
    pred_len = int(steps.max())
    n_rows = len(y_frame)
    check_length(n_rows, seq_len, pred_len, n_validation_rows(n_rows, validation_size, pred_len))


def check_panel_data(y, X, method, name="y", regular=True):
    """Check every series of a panel or hierarchy ``y`` (and ``X``).

    ``y`` and ``X`` may take any form :func:`panel_parts` reads. Each series must
    pass :func:`check_series` (with a regular index unless ``regular=False``: future
    X in predict may be sparse); ``X`` must hold every series of ``y`` at its time
    points. One series is left to the other checks.
    """
    if _panel_is_clean(y, X, regular):
        return
    parts = panel_parts(y)
    if parts is None:
        return
    X_parts = dict(panel_parts(X) or ()) if X is not None else {}
    for key, part in parts:
        series = f"{name} series {key!r}"
        check_series(part, series, regular=regular)
        if not X_parts:
            continue
        if key not in X_parts:
            raise ValueError(
                f"X passed to {method} lacks series {key!r} of y; pass X holding every "
                "series of y, at its time points."
            )
        check_series(X_parts[key], f"X series {key!r}")
        _check_covers(X_parts[key], part.index, method)


def _panel_is_clean(y, X, regular):
    """Whether a ``pd-multiindex`` panel passes every per-series check, tested at once.

    Columns, values and the cover of ``X`` are the same checks on the whole frame; a
    series is sorted, without duplicates and (``regular``) on its grid when its rows
    step one position at a time along a time level of fixed steps. False sends the
    panel to the checks series by series, which say what is wrong.
    """
    from informer_sk.series import stack_series, stacked_freq  # series imports this module

    frames = [y] + ([] if X is None else [X])
    if not all(isinstance(f, pd.DataFrame) and isinstance(f.index, pd.MultiIndex) for f in frames):
        return False
    for frame in frames:
        numeric = all(
            pd.api.types.is_numeric_dtype(d) and not (pd.api.types.is_bool_dtype(d) or pd.api.types.is_complex_dtype(d))
            for d in frame.dtypes
        )
        if frame.shape[1] == 0 or not numeric:
            return False
        values = frame.to_numpy(np.float64)  # a view of a frame of float64 columns
        # finite and below the bound in size, without a temporary array the size of the
        # data: NaN makes min and max NaN, which fails both comparisons
        lowest, highest = values.min(axis=0), values.max(axis=0)
        if not ((lowest > -_MAX_ABS_VALUE).all() and (highest < _MAX_ABS_VALUE).all()):
            return False
    if X is not None and not X.index.equals(y.index):
        return False
    stacked = stack_series(y, None)
    times = stacked.times
    if stacked.time_codes is None or not isinstance(times, pd.DatetimeIndex) or not times.is_monotonic_increasing:
        return False
    if len(stacked.keys) < 2:
        return False
    if regular:  # every series on one grid, or stacked_freq raises naming one that is not
        try:
            return stacked_freq(stacked) is not None
        except ValueError:
            return False
    steps = np.diff(stacked.time_codes.astype(np.int64))  # sorted level: increasing times
    steps[stacked.offsets[1:] - 1] = 1
    return bool((steps > 0).all())


def _check_panel_fh(y, X, fh):
    """Check ``fh`` against the cutoff of a panel: the latest last point of its series."""
    if fh is not None and _panel_is_clean(y, X, True):
        from informer_sk.series import stack_series, stacked_freq

        stacked = stack_series(y, None)
        freq = stacked_freq(stacked)
        lasts = stacked.time_codes[stacked.offsets + stacked.lengths - 1]
        latest = stacked.times[[lasts.max()]]
        check_fh(fh, last_point(latest, freq), freq)
        return
    parts = panel_parts(y)
    if parts is None or fh is None:
        return
    check_panel_data(y, X, "fit")  # the series first: their grid places fh
    indexes = [part.index for _, part in parts]
    freqs = [index_freq(index, "y") for index in indexes]
    if len({_kind(index) for index in indexes}) > 1 or any(f != freqs[0] for f in freqs):
        return  # the forecaster's error: one network models series of one time axis
    latest = max(indexes, key=lambda index: index[-1])
    check_fh(fh, last_point(latest, freqs[0]), freqs[0])


def panel_parts(obj):
    """The series of a panel or hierarchy: ``[(key, frame), ...]``, or None for one series.

    Reads sktime's ``pd-multiindex`` and ``pd_multiindex_hier`` frames (keys: the
    levels before time), ``df-list`` (a list of frames; keys 0, 1, ...),
    ``numpy3D`` (instances, variables, time points; columns ``var_0``, ... as sktime
    names them) and ``nested_univ`` frames (a series in every cell), with the keys
    and columns sktime gives them when it converts them.
    """
    if isinstance(obj, pd.Series) and isinstance(obj.index, pd.MultiIndex):
        obj = obj.to_frame()
    if isinstance(obj, pd.DataFrame) and isinstance(obj.index, pd.MultiIndex):
        # sktime's conversions from other panel formats can leave floats in object columns
        return split_panel(obj.infer_objects())
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(f, pd.DataFrame) for f in obj):
        return list(enumerate(obj))
    if isinstance(obj, np.ndarray) and obj.ndim == 3:
        columns = [f"var_{j}" for j in range(obj.shape[1])]
        return [(i, pd.DataFrame(part.T, columns=columns)) for i, part in enumerate(obj)]
    if isinstance(obj, pd.DataFrame) and as_frame(obj) is None:  # nested_univ
        return [
            (key, pd.DataFrame({column: row[column] for column in obj.columns}))
            for key, row in obj.iterrows()
        ]
    return None


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
    if isinstance(obj, pd.Series) and not isinstance(obj.index, pd.MultiIndex):
        return obj.to_frame()
    if isinstance(obj, pd.DataFrame) and not isinstance(obj.index, pd.MultiIndex):
        if len(obj) and any(isinstance(v, pd.Series) for v in obj.iloc[0]):
            return None  # sktime's nested_univ panel: a series in every cell
        return obj
    if isinstance(obj, np.ndarray) and obj.ndim in (1, 2):
        return pd.DataFrame(obj)
    return None


def check_series(frame, name, regular=False):
    """Raise if ``frame`` is empty, its time index unusable, or its values not real and finite.

    ``name`` is the argument's name in the user's call, e.g. ``"y"`` or ``"X"``. The
    index is checked first (its type, duplicates, order and, with ``regular=True``,
    its grid), as the fixes for the values (interpolation) assume a sorted regular
    index. Returns the step of the index with ``regular=True`` (see
    :func:`index_freq`), else None.
    """
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(
            f"{name} is empty ({frame.shape[0]} time points, {frame.shape[1]} columns); "
            f"pass a series with at least one column and enough time points."
        )
    try:
        _check_index_type(frame.index, name)
        _check_index_order(frame.index, name)
        freq = index_freq(frame.index, name) if regular else None
        _check_dtypes(frame, name)
        _check_values(frame, name)
    except ValueError as error:
        if _var(name) == name or f"{_var(name)} = " not in str(error):
            raise
        # the fixes of a panel's series are written for that series' frame
        note = f" Here part stands for the frame of {name}."
        raise type(error)(str(error) + note) from None
    return freq


def _check_index_type(index, name):
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or _is_integer_index(index):
        return
    fix = _index_type_fix(index, name)
    raise ValueError(
        f"{name}'s time index is {_a(type(index).__name__)} of dtype {index.dtype}; "
        "InformerForecaster needs a DatetimeIndex, a PeriodIndex or an integer index. "
        + (f"Convert it first, e.g. {fix}." if fix else _NO_INDEX_FIX)
    )


_NO_INDEX_FIX = (
    "Convert it first: dates with pd.to_datetime (passing the format of your strings), "
    "or count time points with a RangeIndex."
)


def _is_integer_index(index):
    return pd.api.types.is_integer_dtype(index.dtype) and not pd.api.types.is_bool_dtype(
        index.dtype
    )


def _index_type_fix(index, name):
    """Code that turns ``index`` into one of the types allowed, or None if none is sure."""
    var = _var(name)  # the name to write code with
    as_int = f"{var}.index = {var}.index.astype(int)"
    if pd.api.types.is_float_dtype(index.dtype):
        values = index.to_numpy(np.float64)
        if not (np.isfinite(values).all() and (values == np.round(values)).all()):
            return None
        fix, parsed = as_int, pd.Index(values.astype(np.int64))
    elif isinstance(index, pd.TimedeltaIndex):
        # elapsed time at a fixed step counts steps; relabelling them loses nothing
        regular = len(set(np.diff(index.asi8).tolist())) == 1
        return f"{var} = {var}.reset_index(drop=True)" if regular else None
    elif not (
        pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype)
    ):
        return None
    elif all(isinstance(v, pd.Period) for v in index):
        fix, parsed = f"{var}.index = pd.PeriodIndex({var}.index)", pd.PeriodIndex(index)
    elif all(isinstance(v, str) for v in index):
        numbers = pd.to_numeric(pd.Series(list(index)), errors="coerce").to_numpy(np.float64)
        if np.isfinite(numbers).all() and (numbers == np.round(numbers)).all():
            fix, parsed = as_int, pd.Index(numbers.astype(np.int64))
        else:
            fmt = _date_format(index)
            if fmt is None:
                return None
            fix = f"{var}.index = pd.to_datetime({var}.index, format={fmt!r})"
            parsed = pd.to_datetime(index, format=fmt)
    else:
        try:
            parsed = pd.to_datetime(index)
        except (TypeError, ValueError):
            return None
        fix = f"{var}.index = pd.to_datetime({var}.index)"
    # sorting text is not chronological ('02/01/2021' < '15/12/2020'): sort once converted
    return fix if parsed.is_monotonic_increasing else f"{fix}, then {var} = {var}.sort_index()"


def _date_format(index):
    """The one format that reads every string of ``index`` as dates on a regular grid.

    Day-first and month-first formats can both read dates whose days are at most 12;
    the one whose dates lie on a regular grid is chosen, and if both or neither do,
    None: the data cannot say.
    """
    readings = {}
    for dayfirst in (False, True):
        fmt = guess_datetime_format(index[0], dayfirst=dayfirst)
        if fmt is None or fmt in readings:
            continue
        try:
            readings[fmt] = pd.to_datetime(index, format=fmt)
        except (TypeError, ValueError):
            continue
    if len(readings) > 1:
        readings = {f: d for f, d in readings.items() if _grid_freq(d.sort_values()) is not None}
    return next(iter(readings)) if len(readings) == 1 else None


def _var(name):
    """The variable that fixes are written with: ``name``, or ``part`` for a series of a panel."""
    return name if name.isidentifier() else "part"


def _a(noun):
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


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
            f"and categorical data are not supported. {_dtype_fix(frame, column, name)}"
        )


def _dtype_fix(frame, column, name):
    """How to make ``column`` real-valued, as far as its values tell."""
    var = _var(name)  # the name to write code with
    types = pd.api.types
    values = frame[column]
    dtype = values.dtype
    # astype with a dict converts the one column of a DataFrame, and a Series of that name
    cast = f"{var} = {var}.astype({{{column!r}: float}})"
    if types.is_bool_dtype(dtype):
        return f"Convert it to 0 and 1, e.g. {cast}."
    if types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype):
        drop = f"{var} = {var}.drop(columns=[{column!r}])"
        return (
            "Dates are not values to forecast: drop the column"
            + (f", e.g. {drop}" if frame.shape[1] > 1 else "")
            + " (the calendar features come from the time index), or make it the index."
        )
    if types.is_complex_dtype(dtype):
        return "Pass the real and imaginary parts as two real columns."
    if isinstance(dtype, pd.CategoricalDtype):
        values = values.astype(object)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if not bad.any():
        return f"Its values are numbers: convert it, e.g. {cast}."
    if bad.all():
        one_hot = f"{var} = pd.get_dummies({var}, columns=[{column!r}], dtype=float)"
        encode = f"encode the categories as numbers, e.g. {one_hot}, or drop it."
        return "None of its values are numbers; " + (
            encode if name.startswith("X") and frame.shape[1] > 1 else "drop it."
        )
    first = bad.to_numpy().argmax()
    return (
        f"{int(bad.sum())} of its {len(values)} values are not numbers, the first "
        f"{values.iloc[first]!r} at {values.index[first]!r}; correct or drop those rows, "
        f"then convert it, e.g. {cast}."
    )


def _check_values(frame, name):
    var = _var(name)  # the name to write code with
    missing = frame.isna().to_numpy()
    if missing.any():
        row, col = np.argwhere(missing)[0]
        empty = missing.all(axis=0)
        if empty.any():
            column = frame.columns[empty.argmax()]
            fix = f"column {column!r} holds no values at all: " + (
                f"drop it, e.g. {var} = {var}.drop(columns=[{column!r}])."
                if frame.shape[1] > 1
                else "pass a series with values."
            )
        else:
            fix = f"fill them first, e.g. {var} = {_filled(frame, name)}, and check the filled values."
        raise ValueError(
            f"{name} has {_count(missing.sum(), 'missing value')} (NaN), the first at "
            f"{frame.index[row]!r} in column {frame.columns[col]!r}; InformerForecaster "
            f"cannot use missing values: {fix}"
        )
    values = frame.to_numpy(np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) >= _MAX_ABS_VALUE)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} has {_count(bad.sum(), 'infinite or too large value')}, the first "
            f"{float(values[row, col])!r} at {frame.index[row]!r} in column "
            f"{frame.columns[col]!r}; values must be finite and below {_MAX_ABS_VALUE:g} in magnitude. "
            + _large_values_fix(frame, values[:, col], col, name)
        )


def _filled(frame, name, source=None):
    """Code that interpolates the missing values of ``frame`` (time-weighted on dates)."""
    var = _var(name)  # the name to write code with
    time = "method='time', " if isinstance(frame.index, pd.DatetimeIndex) else ""
    return f"{source or var}.interpolate({time}limit_direction='both')"


def _large_values_fix(frame, values, col, name):
    """Rescale a column that is huge throughout; replace values that stand out."""
    var = _var(name)  # the name to write code with
    column = frame.columns[col]
    finite = np.abs(values[np.isfinite(values)])
    if len(finite) and np.median(finite) >= _MAX_ABS_VALUE * 1e-12:
        # the whole column is in a unit too small for float32: a power of ten restores it
        power = int(np.floor(np.log10(finite.max()))) - 6
        target = var if frame.shape[1] == 1 else f"{var}[{column!r}]"
        return (
            f"The column is huge throughout: rescale it, e.g. {target} = {target} / 1e{power}, "
            f"and multiply its forecasts by 1e{power}."
        )
    masked = f"{var}.mask({var}.abs() >= {_MAX_ABS_VALUE:g})"
    return (
        "They stand out from the other values: replace them, e.g. "
        f"{var} = {_filled(frame, name, masked)}, and check the filled values."
    )


def _check_index_order(index, name):
    var = _var(name)  # the name to write code with
    duplicated = index.duplicated()
    if duplicated.any():
        raise ValueError(
            f"{name}'s time index has {_count(duplicated.sum(), 'duplicate time point')}, the "
            f"first {index[duplicated][0]!r}; every time point must appear once. Aggregate "
            f"them, e.g. {var} = {var}.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"{name}'s time index is not sorted in increasing order; sort it first, "
            f"e.g. {var} = {var}.sort_index()."
        )


def index_freq(index, name):
    """The step of a regular time index: a pandas offset, or 1 for an integer index.

    Raises a ValueError for an irregular index, a ``DatetimeIndex`` whose frequency
    cannot be inferred, or an index type without steps.
    """
    var = _var(name)  # the name to write code with
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
                grid = _grid_freq(index)
                fix = (
                    f"e.g. {var} = {var}.asfreq({grid.freqstr!r})"
                    if grid is not None
                    else f"e.g. {var} = {var}.asfreq(freq), freq a pandas alias such as 'h' or 'D'"
                )
                raise ValueError(
                    f"{name}'s DatetimeIndex has {len(index)} time points and no freq, and "
                    f"pandas needs 3 to infer one; set it, {fix}, or pass more time points."
                )
            raise _irregular(index, name, "a DatetimeIndex without an inferable frequency")
        return to_offset(freq)
    if _is_integer_index(index):
        steps = np.diff(index.to_numpy())
        if len(steps) and not (steps == 1).all():
            raise ValueError(
                f"{name}'s integer time index must count time points one by one (steps "
                f"of 1, as sktime forecasts at cutoff + 1, cutoff + 2, ...), but it has "
                f"steps of {sorted(set(steps.tolist()))[:5]}; {_integer_grid_fix(index, name)}"
            )
        return 1
    raise ValueError(
        f"{name}'s time index is {_a(type(index).__name__)} of dtype {index.dtype}; "
        "InformerForecaster needs a DatetimeIndex, a PeriodIndex or an integer index."
    )


def _integer_grid_fix(index, name):
    var = _var(name)  # the name to write code with
    steps = np.diff(index.to_numpy())
    relabel = f"{var} = {var}.reset_index(drop=True)"
    if len(set(steps.tolist())) == 1:  # every step the same: relabelling loses nothing
        return f"count them one by one with a RangeIndex, e.g. {relabel}, or pass a regular DatetimeIndex."
    step = int(np.gcd.reduce(steps))
    n_grid = (int(index[-1]) - int(index[0])) // step + 1
    if n_grid > 2 * len(index):
        return (
            "most of its grid would be missing, so resample or aggregate it onto a "
            "regular grid first, or pass a regular DatetimeIndex."
        )
    grid = f"range({var}.index[0], {var}.index[-1] + 1{f', {step}' if step > 1 else ''})"
    fix = f"{var} = {var}.reindex({grid}).interpolate()"
    if step > 1:
        fix += f", then {relabel}"
    return f"it has gaps: fill them on its grid of step {step}, e.g. {fix}, and check the filled values."


def _irregular(index, name, what):
    var = _var(name)  # the name to write code with
    steps = pd.Series(index[1:] - index[:-1]).value_counts().index
    if isinstance(index, pd.DatetimeIndex):
        grid = _grid_freq(index)
        fix = (
            f"resample it onto one, e.g. {var} = {var}.asfreq({grid.freqstr!r}).interpolate(), "
            "and check the filled values"
            if grid is not None
            else "its time points lie on no grid with fewer than half its points missing: "
            "resample or aggregate it onto the regular grid of your data first "
            "(DataFrame.resample or asfreq)"
        )
    else:
        fix = f"{var} = {var}.reindex(pd.period_range({var}.index[0], {var}.index[-1]))"
        fix = f"resample it onto one, e.g. {fix}.interpolate(), and check the filled values"
    return ValueError(
        f"{name} has an irregular time index ({what}; the most common steps between "
        f"time points are {list(steps[:3])}). InformerForecaster needs a regular grid: "
        f"{fix}."
    )


def _grid_freq(index):
    """The coarsest regular grid holding every point of a sorted ``DatetimeIndex``, or None.

    Candidates are the frequencies pandas infers on runs of consecutive points (a
    monthly series says ``'MS'`` or ``'ME'``, a weekly one ``'W-SUN'``), the greatest
    common step between points, and calendar frequencies. A grid counts if it starts
    at the first point, holds every point, and is at most twice as long as the index
    (a series with more than half its points missing is not filled by interpolation).
    """
    n = len(index)
    if n < 2:
        return None
    candidates = []
    for length in (7, 3):
        if n >= length:
            for start in np.unique(np.linspace(0, n - length, num=20).astype(int)):
                freq = pd.infer_freq(index[start : start + length])
                if freq is not None:
                    candidates.append(freq)
    deltas = index[1:] - index[:-1]
    step = int(np.gcd.reduce(deltas.asi8))
    if step > 0:
        candidates.append(pd.Timedelta(step, unit=deltas.unit))
    candidates += [*_CALENDAR_FREQS, f"W-{index[0].day_name()[:3].upper()}"]
    best = None
    for candidate in dict.fromkeys(candidates):
        try:
            freq = to_offset(candidate)
            grid = pd.date_range(index[0], periods=2 * n + 1, freq=freq)
        except (TypeError, ValueError):
            continue
        grid = grid[grid <= index[-1]]
        if len(grid) == 0 or grid[0] != index[0] or not index.isin(grid).all():
            continue
        # the coarsest grid; of equal ones the calendar's ('W-SUN' rather than '7D')
        rank = (len(grid), isinstance(freq, pd.offsets.Tick))
        if best is None or rank < best[0]:
            best = (rank, freq)
    return None if best is None else best[1]


def _check_covers(X, y_index, method):
    """Raise unless ``X`` holds a row for every time point of ``y``."""
    missing = y_index.difference(X.index)
    if len(missing):
        raise ValueError(
            f"X passed to {method} lacks rows at {len(missing)} of the {len(y_index)} "
            f"time points of y, the first {missing[0]!r}; X must hold a row for every "
            "time point of y (further rows are ignored)."
        )


def check_fh(fh, cutoff, freq):
    """The steps after ``cutoff`` that ``fh`` asks for; raise if it asks for others.

    Parameters
    ----------
    fh : ForecastingHorizon or anything sktime reads as one
        Relative steps, or absolute time points of the kind of ``y``'s index.
    cutoff : pd.Index
        The last time point of ``y``, of its index type (see :func:`last_point`).
    freq : pandas offset or int
        The step of ``y``'s index (see :func:`index_freq`).

    Returns
    -------
    np.ndarray or None
        The relative steps (int, all at least 1), or None for an ``fh`` that sktime
        cannot read, whose own message says what ``fh`` may be.

    Raises
    ------
    ValueError
        For an empty ``fh``, timedeltas, time points of another index type or time
        zone than ``y``'s, or off its grid.
    InSampleHorizonError
        For steps or time points at or before the cutoff.
    """
    try:
        fh = fh if isinstance(fh, ForecastingHorizon) else ForecastingHorizon(fh)
    except (TypeError, ValueError):
        return None  # sktime's own message on what fh may be
    if len(fh) == 0:
        raise ValueError("fh is empty; pass the steps ahead to forecast, e.g. fh=[1, 2, 3].")
    values = fh.to_pandas()
    if fh.is_relative:
        if not _is_integer_index(values):
            raise _timedelta_fh(values, freq)
        steps = values.to_numpy(np.int64)
    else:
        _check_fh_type(values, cutoff, freq)
        steps = _absolute_steps(values, cutoff, freq)
    if (steps < 1).any():
        raise _in_sample(fh, steps, cutoff, freq)
    return steps


def _timedelta_fh(values, freq):
    fix = "steps ahead as integers, e.g. fh=[1, 2, 3]"
    if isinstance(freq, pd.offsets.Tick) and isinstance(values, pd.TimedeltaIndex):
        ratio = values / pd.Timedelta(freq)
        if (ratio == np.round(ratio)).all():
            fix = f"the same steps as integers, fh={np.round(ratio).astype(int).tolist()}"
    return ValueError(
        f"fh holds time spans {[str(v) for v in values[:3]]}, but InformerForecaster takes "
        f"steps ahead of y's grid (freq {freq_str(freq)}) or time points; pass {fix}."
    )


def _check_fh_type(values, cutoff, freq):
    """Raise unless absolute ``values`` are time points of the cutoff's index type."""
    if _kind(values) == _kind(cutoff):
        return
    # a conversion is offered only where it lands on y's grid, after the cutoff
    fixes = []
    if isinstance(values, pd.DatetimeIndex) and isinstance(cutoff, pd.DatetimeIndex):
        tz = cutoff.tz
        if values.tz is not None and tz is not None:
            fixes.append((f"fh.tz_convert({str(tz)!r})", values.tz_convert(tz)))
        elif tz is not None:
            fixes.append((f"fh.tz_localize({str(tz)!r})", _try(values.tz_localize, tz)))
    elif isinstance(values, pd.DatetimeIndex) and isinstance(cutoff, pd.PeriodIndex):
        fixes.append((f"fh.to_period({cutoff.freqstr!r})", _try(values.to_period, cutoff.freqstr)))
    elif isinstance(values, pd.PeriodIndex) and isinstance(cutoff, pd.PeriodIndex):
        fixes.append((f"fh.asfreq({cutoff.freqstr!r})", _try(values.asfreq, cutoff.freqstr)))
    elif isinstance(values, pd.PeriodIndex) and isinstance(cutoff, pd.DatetimeIndex):
        fixes.append(("fh.to_timestamp()", _try(values.to_timestamp)))
    fix = next((code for code, converted in fixes if _lands_ahead(converted, cutoff, freq)), None)
    first = _step(cutoff[0], 1, freq)
    if fix is not None:
        advice = f"convert them, e.g. fh={fix} for an index fh"
    elif _is_integer_index(values) and not _is_integer_index(cutoff):
        advice = (
            f"integers count steps ahead: pass fh=[1, 2, 3] (relative), or time points "
            f"of y's index, e.g. {first!r} for the first step"
        )
    else:
        advice = f"pass steps ahead, e.g. fh=[1, 2, 3], or time points like {first!r}"
    raise ValueError(
        f"fh holds time points of kind {_describe_kind(values)}, but y's time index is of "
        f"kind {_describe_kind(cutoff)}; {advice}."
    )


def _try(convert, *args):
    try:
        return convert(*args)
    except (TypeError, ValueError):
        return None


def _lands_ahead(values, cutoff, freq):
    """Whether converted time points lie on the grid of ``cutoff``, after it."""
    if values is None or _kind(values) != _kind(cutoff):
        return False
    try:
        steps = _absolute_steps(values, cutoff, freq)
    except ValueError:
        return False
    return bool((steps >= 1).all())


def _absolute_steps(values, cutoff, freq):
    """Relative steps of absolute time points ``values``; raise if any is off the grid."""
    fh = ForecastingHorizon(values, is_relative=False)
    try:
        steps = fh.to_relative(cutoff)
        on_grid = steps.to_absolute_index(cutoff)
    except (TypeError, ValueError, AssertionError) as error:
        raise ValueError(
            f"fh holds time points {list(values[:3])} that do not fit y's time index (cutoff "
            f"{cutoff[0]!r}, freq {freq_str(freq)}); pass steps ahead, e.g. fh=[1, 2, 3]."
        ) from error
    steps = steps.to_pandas().to_numpy(np.int64)
    off = np.asarray(on_grid != values)
    if off.any():
        # sktime maps a point off the grid to the grid point before it
        first, step = values[off.argmax()], int(steps[off.argmax()])
        before, after = _step(cutoff[0], step, freq), _step(cutoff[0], step + 1, freq)
        raise ValueError(
            f"fh holds {_count(off.sum(), 'time point')} off the grid of y (freq "
            f"{freq_str(freq)}), the first {first!r}, between {before!r} and "
            f"{after!r}; pass time points on the grid, or steps ahead as integers, "
            "e.g. fh=[1, 2, 3]."
        )
    return steps


def _in_sample(fh, steps, cutoff, freq):
    behind = steps < 1
    if fh.is_relative:
        what = f"{_count(behind.sum(), 'step')} below 1, {sorted(set(steps[behind].tolist()))[:5]}"
    else:
        values = fh.to_pandas()
        what = (
            f"{_count(behind.sum(), 'time point')} at or before the cutoff, the first "
            f"{values[behind.argmax()]!r}"
        )
    return InSampleHorizonError(
        f"fh holds {what}; InformerForecaster can not perform in-sample prediction: it "
        f"forecasts after the cutoff {cutoff[0]!r}, the last time point of y. Pass steps "
        f"ahead, e.g. fh=[1, 2, 3], or time points after the cutoff, the first "
        f"{_step(cutoff[0], 1, freq)!r}. An absolute fh stays where it is when update "
        "moves the cutoff past it: to forecast the steps after each update, fit with "
        "steps ahead."
    )


def _describe_kind(index):
    kind = _kind(index)
    if kind[0] == "DatetimeIndex":
        return "DatetimeIndex " + ("without a time zone" if kind[1] == "None" else f"in {kind[1]}")
    if kind[0] == "PeriodIndex":
        return f"PeriodIndex of freq {kind[1]!r}"
    return str(kind)


def check_random_state(value):
    """Raise a ValueError unless ``value`` seeds numpy as scikit-learn's estimators take it.

    Allowed: None (a fresh seed each fit), an integer in [0, 2**32 - 1] (the same fit
    on every run) or a ``np.random.RandomState``. Bools, floats, strings, negative or
    larger integers and numpy ``Generator`` objects are refused here, rather than deep
    in numpy or scikit-learn during fit.
    """
    if value is None or isinstance(value, np.random.RandomState):
        return
    integer = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if integer and 0 <= value < 2**32:
        return
    allowed = (
        "None (a fresh seed each fit), an integer in [0, 2**32 - 1] (the same fit on "
        "every run, e.g. random_state=0) or a np.random.RandomState"
    )
    if isinstance(value, np.random.Generator):
        raise ValueError(
            f"random_state={value!r} is a numpy Generator, which scikit-learn's seeding "
            f"does not take; pass {allowed}, e.g. random_state=int(rng.integers(2**32))."
        )
    why = "is out of range" if integer else "is not an integer"
    raise ValueError(f"random_state={value!r} {why}; pass {allowed}.")


def param_changed(old, new):
    """Whether ``set_params`` changes a parameter from ``old`` to ``new``.

    Arrays, lists and tuples compare by shape and values, so that
    ``quantiles=np.array([0.1, 0.5, 0.9])`` equals the tuple of those levels; values
    that cannot be compared count as changed.
    """
    if old is new:
        return False
    if any(isinstance(v, (np.ndarray, list, tuple)) for v in (old, new)):
        try:
            a, b = np.asarray(old), np.asarray(new)
            return not (a.shape == b.shape and bool(np.all(a == b)))
        except (TypeError, ValueError):
            return True
    try:
        return bool(old != new)
    except (TypeError, ValueError):
        return True


def near_constant_columns(values, rtol=NEAR_CONSTANT_RTOL):
    """Columns constant up to rounding: spread (max - min) at most ``rtol`` of their magnitude.

    ``values`` is (n_rows, n_columns); a column with NaN is never constant. Exactly
    constant columns are included. A spread that small is below what the network
    (float32) resolves, and for scikit-learn's StandardScaler often below what it
    standardises: it scales such a column by 1, so its values stay near zero and the
    network's small output error lands on the data's level unscaled (1000 +- 1e-11
    forecast as 1000.1). Hold such columns at :func:`constant_levels` instead.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    spread = values.max(axis=0) - values.min(axis=0)
    level = np.abs(values).max(axis=0)
    return spread <= np.maximum(rtol * level, _TINY_SPREAD)  # NaN compares False


def constant_levels(values, rtol=NEAR_CONSTANT_RTOL):
    """Per column of ``values``: the level it is held at if near-constant, else NaN.

    The level is the midpoint of the column's range: within the data, and the
    constant itself, exactly, for an exactly constant column.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    middle = values.min(axis=0) / 2 + values.max(axis=0) / 2  # halves first: no overflow
    return np.where(near_constant_columns(values, rtol), middle, np.nan)


def held_columns(values, levels, rtol=NEAR_CONSTANT_RTOL):
    """Columns of ``values`` (the current input) within ``rtol`` of their held ``levels``.

    ``levels`` is what :func:`constant_levels` returned in training (NaN: not held);
    a column that has since moved away from its level is forecast by the network.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    distance = np.abs(values - levels).max(axis=0)
    return distance <= np.maximum(rtol * np.abs(levels), _TINY_SPREAD)  # NaN compares False


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
    """Raise unless a series of ``n_rows`` holds training (and validation) windows.

    The message offers only the changes that would make this series fit.
    """
    needed = seq_len + pred_len + n_val_rows
    if n_rows >= needed:
        return
    fixes = ["pass a longer series"]
    if n_rows - pred_len - n_val_rows >= 1:
        fixes.append(f"lower seq_len to at most {n_rows - pred_len - n_val_rows}")
    if n_val_rows:
        room = n_rows - seq_len - pred_len  # rows left over for validation
        # the validation tail must still hold one window of pred_len rows
        size = np.floor(room / n_rows * 100) / 100
        if room >= pred_len and int(round(size * n_rows)) >= pred_len:
            fixes.append(f"lower validation_size to at most {size:g}")
        elif room >= 0:
            fixes.append("set validation_size=0 to train without early stopping")
    elif n_rows - seq_len >= 1:
        fixes.append(f"shorten fh to at most {n_rows - seq_len} steps")
    raise ValueError(
        f"y has {n_rows} time points, but InformerForecaster needs at least "
        f"{needed} (seq_len={seq_len} + max(fh)={pred_len}"
        + (f" + {n_val_rows} validation points" if n_val_rows else "")
        + "); " + ", ".join(fixes[:-1]) + (" or " if len(fixes) > 1 else "") + fixes[-1] + "."
    )


def n_validation_rows(n_rows, validation_size, pred_len):
    """Rows of the validation tail; raise if it cannot hold one validation window."""
    if not validation_size:
        return 0
    n_val = int(round(validation_size * n_rows))
    if n_val < pred_len:
        least = np.ceil(pred_len / n_rows * 100) / 100
        raise ValueError(
            f"validation_size={validation_size} keeps {n_val} of {n_rows} points for "
            f"validation, fewer than the horizon max(fh)={pred_len}, so no validation "
            f"window fits; raise validation_size to at least {least:g}, pass a longer "
            "series, or set validation_size=0 to train without early stopping."
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
    return "integer" if _is_integer_index(index) else str(index.dtype)


def _step(point, steps, freq):
    """The time point ``steps`` steps of ``freq`` after ``point`` (before, if negative)."""
    if isinstance(point, pd.Timestamp):
        return point + steps * to_offset(freq)
    if isinstance(point, pd.Period):
        return point + steps  # a Period counts its own steps
    return int(point) + steps


def _grid(start, periods, freq):
    if isinstance(start, pd.Period):
        return pd.period_range(start, periods=periods, freq=freq)
    if isinstance(start, pd.Timestamp):
        return pd.date_range(start, periods=periods, freq=freq)
    return pd.Index(np.arange(start, start + periods))
