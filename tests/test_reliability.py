"""Bad input, failed training and Ctrl-C: a clear error, and nothing lost.

Every bad call is made on a fitted forecaster; afterwards it must predict exactly what
it predicted before, from the same cutoff. The table in docs/reliability.md points
at these tests.
"""

import copy
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.forecasting.base import ForecastingHorizon

import informer_sk.training
from informer_sk import InformerForecaster, _checks
from informer_sk.training import TrainingDiverged
from tests.conftest import TINY

N = 40  # time points fitted; the frames below run on to N + 6
FH = [1, 2, 3]


def _index(n=N + 6):
    return pd.date_range("2021-03-01", periods=n, freq="h")


def _y(n=N + 6):
    t = np.arange(n)
    return pd.Series(10 + np.sin(2 * np.pi * t / 12), index=_index(n), name="load")


def _X(n=N + 6):
    t = np.arange(n)
    return pd.DataFrame({"temp": np.cos(t / 5.0), "hour": t % 24.0}, index=_index(n))


@pytest.fixture(scope="module")
def _fitted_pair():
    y, X = _y(), _X()
    plain = InformerForecaster(**TINY).fit(y.iloc[:N], fh=FH)
    exog = InformerForecaster(**TINY).fit(y.iloc[:N], X=X.iloc[:N], fh=FH)
    return plain, exog


@pytest.fixture
def fitted(_fitted_pair):
    return copy.deepcopy(_fitted_pair[0])


@pytest.fixture
def fitted_exog(_fitted_pair):
    return copy.deepcopy(_fitted_pair[1])


def _snapshot(forecaster, X_future=None):
    weights = {k: v.clone() for k, v in forecaster.network_.state_dict().items()}
    return forecaster.predict(X=X_future), forecaster.cutoff, forecaster.fh, weights


def _assert_unchanged(forecaster, before, X_future=None):
    y_pred, cutoff, fh, weights = before
    pd.testing.assert_series_equal(forecaster.predict(X=X_future), y_pred, check_exact=True)
    pd.testing.assert_index_equal(forecaster.cutoff, cutoff)
    pd.testing.assert_index_equal(forecaster.fh.to_pandas(), fh.to_pandas())
    for k, v in forecaster.network_.state_dict().items():
        assert torch.equal(v, weights[k])


def _with(series, position, value):
    series = series.copy()
    series.iloc[position] = value
    return series


# ---- fit: bad data on a fitted forecaster ----------------------------------------

y, X = _y(N), _X(N)
FIT_CASES = {
    "y NaN": (dict(y=_with(y, 5, np.nan)), ValueError, r"y has 1 missing value.*interpolate"),
    "y +inf": (dict(y=_with(y, 5, np.inf)), ValueError, r"y has 1 infinite .*inf"),
    "y -inf": (dict(y=_with(y, -1, -np.inf)), ValueError, r"infinite .*-inf"),
    "y 1e31": (dict(y=_with(y, 0, 1e31)), ValueError, r"below 1e\+30 .*replace them, e\.g\. y = y\.mask"),
    "y 1e31 throughout": (dict(y=y * 1e31), ValueError, r"huge throughout: rescale it, e\.g\. y = y / 1e"),
    "X NaN": (dict(y=y, X=X.assign(temp=np.nan)), ValueError, r"X has 40 missing values"),
    "X inf": (dict(y=y, X=X.assign(temp=np.inf)), ValueError, r"X has 40 infinite"),
    "y strings": (dict(y=y.astype(str)), TypeError, r"y column 'load' has dtype str.*astype"),
    "y object": (dict(y=y.astype(object)), TypeError, r"dtype object.*real numbers"),
    "y bool": (dict(y=y > 10), TypeError, r"dtype bool"),
    "y categorical": (dict(y=y.round().astype("category")), TypeError, r"categorical"),
    "X strings": (dict(y=y, X=X.assign(temp="warm")), TypeError, r"X column 'temp'"),
    "y empty": (dict(y=y.iloc[:0]), ValueError, r"y is empty \(0 time points"),
    "y no columns": (dict(y=pd.DataFrame(index=y.index)), ValueError, r"y is empty"),
    "too short": (dict(y=y.iloc[:10]), ValueError, r"y has 10 .* at least 11 .*lower seq_len"),
    "validation too small": (
        dict(y=y, params=dict(validation_size=0.05)), ValueError, r"validation_size=0.05 keeps 2",
    ),
    "duplicate time points": (
        dict(y=pd.concat([y, y.iloc[-1:]])), ValueError, r"1 duplicate time point.*groupby",
    ),
    "unsorted": (dict(y=y.iloc[::-1]), ValueError, r"not sorted.*sort_index"),
    "irregular": (
        dict(y=y.drop(y.index[[7, 20]])), ValueError, r"irregular time index.*asfreq\('h'\)",
    ),
    "no inferable freq": (
        dict(y=pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2021-01-01", "2021-01-02"]))),
        ValueError, r"2 time points and no freq",
    ),  # fmt: skip
    "integer index, step 2": (
        dict(y=y.set_axis(pd.RangeIndex(0, 2 * N, 2))), ValueError, r"steps of \[2\].*RangeIndex",
    ),
    "period index with a gap": (
        dict(y=y.set_axis(pd.period_range("2000-01", periods=N + 1, freq="M").delete(5))),
        ValueError, r"PeriodIndex of freq 'M' with gaps",
    ),  # fmt: skip
    "X shorter than y": (
        dict(y=y, X=X.iloc[3:]), ValueError, r"X passed to fit lacks rows at 3 of the 40",
    ),
    "fh empty": (dict(y=y, fh=[]), ValueError, r"fh is empty"),
    "fh off the grid": (
        dict(y=y, fh=pd.DatetimeIndex([y.index[-1] + pd.Timedelta("90min")])),
        ValueError, r"off the grid of y \(freq h\)",
    ),  # fmt: skip
    # NotImplementedError, as sktime raises for in-sample horizons, and a ValueError
    "fh zero": (dict(y=y, fh=[0, 1]), NotImplementedError, r"1 step below 1, \[0\].*in-sample"),
    "fh negative": (dict(y=y, fh=[-2, -1]), ValueError, r"in-sample prediction"),
    "fh behind the cutoff": (
        dict(y=y, fh=pd.DatetimeIndex(y.index[-3:-1])), NotImplementedError,
        r"2 time points at or before the cutoff.*in-sample",
    ),  # fmt: skip
    "fh 30 minutes after the cutoff": (
        dict(y=y, fh=pd.DatetimeIndex([y.index[-1] + pd.Timedelta("30min")])),
        ValueError, r"off the grid of y \(freq h\).*between Timestamp\('2021-03-02 15:00:00'\) "
        r"and Timestamp\('2021-03-02 16:00:00'\)",
    ),  # fmt: skip
    "fh integers as time points of a DatetimeIndex": (
        dict(y=y, fh=ForecastingHorizon([41, 42], is_relative=False)), ValueError,
        r"kind integer, but y's time index is of kind DatetimeIndex.*fh=\[1, 2, 3\]",
    ),  # fmt: skip
    "fh timestamps for an integer index": (
        dict(y=y.reset_index(drop=True), fh=pd.DatetimeIndex(["2021-03-03"])), ValueError,
        r"kind DatetimeIndex without a time zone, but y's time index is of kind integer",
    ),  # fmt: skip
    "fh in another time zone": (
        dict(y=y, fh=pd.DatetimeIndex([y.index[-1] + pd.Timedelta("1h")]).tz_localize("UTC")),
        ValueError, r"DatetimeIndex in UTC, but y's .* without a time zone",
    ),  # fmt: skip
    "fh integers as time points of a panel": (
        dict(y=pd.concat([y.to_frame(), y.to_frame()], keys=["a", "b"]),
             fh=ForecastingHorizon([41], is_relative=False)),
        ValueError, r"kind integer, but y's time index is of kind DatetimeIndex",
    ),  # fmt: skip
    "fh 30 minutes after a panel's cutoff": (
        dict(y=[y.to_frame(), y.iloc[:-1].to_frame()],
             fh=pd.DatetimeIndex([y.index[-1] + pd.Timedelta("30min")])),
        ValueError, r"off the grid of y \(freq h\)",
    ),  # fmt: skip
    "fh of time spans": (
        dict(y=y, fh=pd.to_timedelta(["1h", "2h"])), ValueError, r"as integers, fh=\[1, 2\]",
    ),
    "fh missing": (dict(y=y, fh=None), ValueError, r"`fh` must be passed to `fit`"),
    "fh of floats": (dict(y=y, fh=[1.5]), TypeError, r"Invalid `fh`"),
    "y a list": (dict(y=list(y)), TypeError, r"Unsupported input data type"),
    "y a list of frames with 1e35": (
        dict(y=[y.to_frame(), _with(y, 3, 1e35).to_frame()]), ValueError,
        r"y series 1 has 1 infinite or too large value, the first 1e\+35 at Timestamp",
    ),  # fmt: skip
    "y a list of frames with inf": (
        dict(y=[y.to_frame(), _with(y, 3, np.inf).to_frame()]), ValueError,
        r"^y series 1 has 1 infinite",
    ),  # fmt: skip
    "y a 3D array with 1e35": (
        dict(y=np.stack([y.to_numpy()[None], _with(y, 3, 1e35).to_numpy()[None]])),
        ValueError, r"^y series 1 has 1 infinite .* at 3 in column 'var_0'",
    ),  # fmt: skip
    "y a 3D array with inf": (
        dict(y=np.stack([_with(y, 3, -np.inf).to_numpy()[None]] * 2)), ValueError,
        r"^y series 0 has 1 infinite",
    ),  # fmt: skip
    "y a 3D array with NaN": (
        dict(y=np.stack([_with(y, 3, np.nan).to_numpy()[None]] * 2)), ValueError,
        r"^y series 0 has 1 missing value .*part = part\.interpolate.*part stands for",
    ),  # fmt: skip
    "X a list of frames with inf": (
        dict(y=[y.to_frame()] * 2, X=[X, X.assign(temp=np.inf)]), ValueError,
        r"^X series 1 has 40 infinite",
    ),  # fmt: skip
    "bad hyperparameter": (dict(y=y, params=dict(n_heads=3)), ValueError, r"n_heads=3 must divide"),
}


@pytest.mark.parametrize("case", FIT_CASES, ids=list(FIT_CASES))
def test_bad_fit_input_raises_a_clear_error_and_keeps_the_fitted_state(fitted, case):
    args, error, match = FIT_CASES[case]
    before = _snapshot(fitted)
    for name, value in args.get("params", {}).items():
        setattr(fitted, name, value)  # set_params would reset the fitted state itself
    with pytest.raises(error, match=match):
        fitted.fit(args["y"], X=args.get("X"), fh=args["fh"] if "fh" in args else FH)
    for name in args.get("params", {}):
        setattr(fitted, name, TINY.get(name, InformerForecaster().get_params()[name]))
    _assert_unchanged(fitted, before)


def test_bad_fit_input_leaves_an_unfitted_forecaster_unfitted():
    forecaster = InformerForecaster(**TINY)
    with pytest.raises(ValueError, match="missing value"):
        forecaster.fit(_with(_y(N), 3, np.nan), fh=FH)
    assert not forecaster.is_fitted and not hasattr(forecaster, "network_")


def test_type_errors_are_value_errors_too():
    with pytest.raises(ValueError, match="dtype bool"):
        InformerForecaster(**TINY).fit(_y(N) > 10, fh=FH)


# ---- update: data that does not continue the fitted series ----------------------

y_new, X_new = _y().iloc[N:], _X().iloc[N:]
UPDATE_CASES = {
    "y NaN": (dict(y=_with(y_new, 1, np.nan)), r"y has 1 missing value"),
    "y inf": (dict(y=_with(y_new, 1, np.inf)), r"y has 1 infinite"),
    "y strings": (dict(y=y_new.astype(str)), r"dtype str"),
    "gap after the cutoff": (dict(y=y_new.iloc[2:]), r"at most one step after the cutoff"),
    "irregular": (dict(y=y_new.drop(y_new.index[2])), r"must continue the fitted series"),
    "before the cutoff": (dict(y=_y().iloc[N - 4 : N - 2]), r"ends at .* before the cutoff"),
    "other index kind": (dict(y=y_new.reset_index(drop=True)), r"kind integer"),
    "other columns": (dict(y=pd.DataFrame({"a": y_new, "b": y_new})), r"columns \['a', 'b'\]"),
}


@pytest.mark.parametrize("case", UPDATE_CASES, ids=list(UPDATE_CASES))
@pytest.mark.parametrize("update_params", [False, True])
def test_bad_update_raises_and_keeps_the_fitted_state(fitted, case, update_params):
    args, match = UPDATE_CASES[case]
    before = _snapshot(fitted)
    with pytest.raises(ValueError, match=match):
        fitted.update(args["y"], update_params=update_params)
    _assert_unchanged(fitted, before)


UPDATE_X_CASES = {
    "X missing": (dict(X=None), r"fitted with exogenous X, so update needs X"),
    "X NaN": (dict(X=X_new.assign(temp=np.nan)), r"X has 6 missing values"),
    "X other columns": (dict(X=X_new.rename(columns={"temp": "t"})), r"columns \['t', 'hour'\]"),
    "X lacks rows": (dict(X=X_new.iloc[:3]), r"X passed to update lacks rows at 3 of the 6"),
}


@pytest.mark.parametrize("case", UPDATE_X_CASES, ids=list(UPDATE_X_CASES))
def test_bad_update_X_raises_and_keeps_the_fitted_state(fitted_exog, case):
    args, match = UPDATE_X_CASES[case]
    before = _snapshot(fitted_exog, X_new)
    with pytest.raises(ValueError, match=match):
        fitted_exog.update(y_new, X=args["X"])
    _assert_unchanged(fitted_exog, before, X_new)


# ---- predict: exogenous X and fh ---------------------------------------------------

X_future = X_new.iloc[:3]
PREDICT_CASES = {
    "X missing": (dict(X=None), ValueError, r"predict needs X"),
    "X NaN": (dict(X=X_future.assign(hour=np.nan)), ValueError, r"X has 3 missing values"),
    "X inf": (dict(X=X_future.assign(hour=-np.inf)), ValueError, r"X has 3 infinite"),
    "X strings": (dict(X=X_future.assign(hour="noon")), TypeError, r"X column 'hour'"),
    "X fewer columns": (dict(X=X_future[["temp"]]), ValueError, r"has columns \['temp'\]"),
    "X more columns": (dict(X=X_future.assign(wind=1.0)), ValueError, r"'wind'"),
    "X too short": (dict(X=X_future.iloc[:1]), ValueError, r"lacks rows at 2 of the 3 steps"),
    "X in the past": (dict(X=_X().iloc[:N]), ValueError, r"lacks rows at 3 of the 3 steps"),
    # sktime's own checks on fh in predict
    "fh beyond the fitted one": (dict(X=X_future, fh=[1, 2, 3, 4]), ValueError, r"different"),
    "fh in-sample": (dict(X=X_future, fh=[0, 1]), ValueError, r"different forecasting horizon"),
    "fh negative": (dict(X=X_future, fh=[-1]), ValueError, r"different forecasting horizon"),
}


@pytest.mark.parametrize("case", PREDICT_CASES, ids=list(PREDICT_CASES))
def test_bad_predict_input_raises_and_changes_nothing(fitted_exog, case):
    args, error, match = PREDICT_CASES[case]
    before = _snapshot(fitted_exog, X_future)
    with pytest.raises(error, match=match):
        fitted_exog.predict(fh=args.get("fh"), X=args["X"])
    _assert_unchanged(fitted_exog, before, X_future)


def test_an_absolute_fh_behind_the_cutoff_after_update_is_sktimes_in_sample_error():
    y = _y()
    forecaster = InformerForecaster(**TINY).fit(y.iloc[:N], fh=pd.DatetimeIndex(y.index[[N]]))
    forecaster.update(y.iloc[N : N + 2], update_params=False)
    with pytest.raises(NotImplementedError, match="in-sample"):
        forecaster.predict()


# ---- advice that is right for the data at hand ------------------------------------
# Every fix an error message writes out is run here on the data it was given: the
# result must pass the checks and keep every original value at its time point.


def _fit_error(y, fh=FH, X=None, error=ValueError):
    with pytest.raises(error) as info:
        InformerForecaster(**TINY).fit(y, X=X, fh=fh)
    return str(info.value)


def _fixes(message):
    """The code of the fix in ``message``: ``e.g. <code>[, then <code>]``."""
    code = re.split(r", and |, or | \(|\.$|\. ", message.split("e.g. ", 1)[1])[0]
    return code.split(", then ")


def _follow(message, **data):
    namespace = {"pd": pd, "np": np, **data}
    for line in _fixes(message):
        exec(line, namespace)
    return namespace


def _assert_kept(fixed, original):
    """``fixed`` holds every point of ``original``, with its value, on a regular index."""
    _checks.check_series(_checks.as_frame(fixed), "y", regular=True)
    pd.testing.assert_series_equal(fixed.reindex(original.index), original, check_freq=False)


_GRIDS = {
    "month starts": pd.date_range("2000-01-01", periods=N, freq="MS"),
    "month ends": pd.date_range("2000-01-31", periods=N, freq="ME"),
    "weeks ending on Sunday": pd.date_range("2000-01-02", periods=N, freq="W-SUN"),
    "weeks ending on Wednesday": pd.date_range("2000-01-05", periods=N, freq="W-WED"),
    "quarter starts": pd.date_range("2000-01-01", periods=N, freq="QS"),
    "year starts": pd.date_range("1950-01-01", periods=N, freq="YS"),
    "business days": pd.bdate_range("2021-03-01", periods=N),
    "hours": pd.date_range("2021-03-01", periods=N, freq="h"),
    "hours across a DST change": pd.date_range("2021-03-27", periods=N, freq="h", tz="Europe/Berlin"),
    "15 minutes": pd.date_range("2021-03-01", periods=N, freq="15min"),
}


@pytest.mark.parametrize("grid", _GRIDS, ids=list(_GRIDS))
def test_a_missing_point_is_filled_on_the_grid_pandas_infers_from_the_full_series(grid):
    # found in review: a monthly series with a missing month was told asfreq('744h')
    full = pd.Series(np.arange(N, dtype=float) ** 1.5, index=_GRIDS[grid])
    y = full.drop(full.index[[5, 6, 20]])
    message = _fit_error(y)
    assert f"y = y.asfreq({pd.infer_freq(full.index)!r}).interpolate()" in message
    fixed = _follow(message, y=y)["y"]
    _assert_kept(fixed, y)
    pd.testing.assert_index_equal(fixed.index, full.index, check_exact=True, exact=False)


def test_points_on_no_grid_get_no_code_to_run():
    times = pd.Timestamp("2021-03-01") + pd.to_timedelta(np.arange(N) ** 2 * 7, "s")
    message = _fit_error(pd.Series(1.0, index=times))
    assert "lie on no grid" in message and "asfreq(" not in message


@pytest.mark.parametrize(
    "index, fix, step",
    [
        (pd.RangeIndex(N).delete([4, 9]), "y = y.reindex(range(y.index[0], y.index[-1] + 1)).interpolate()", None),
        (pd.Index(np.arange(0, 2 * N, 2)).delete(4), "y.index[-1] + 1, 2)).interpolate(), then y = y.reset_index(drop=True)", 2),
        (pd.Index(np.arange(0, 3 * N, 3)), "y = y.reset_index(drop=True)", 3),
        (pd.period_range("2000-01", periods=N, freq="M").delete(3), "y = y.reindex(pd.period_range(", None),
    ],
    ids=["integers with gaps", "even integers with a gap", "every third integer", "periods with a gap"],
)  # fmt: skip
def test_integer_and_period_gaps_are_filled_on_their_grid(index, fix, step):
    # found in review: y.reset_index(drop=True), advised for any integer index, closes gaps
    y = pd.Series(np.arange(len(index), dtype=float) ** 2, index=index)
    message = _fit_error(y)
    assert fix in message
    fixed = _follow(message, y=y)["y"]
    if step is None:
        _assert_kept(fixed, y)
    else:  # relabelled as counts of steps: the point at i is at (i - first) / step
        _checks.check_series(_checks.as_frame(fixed), "y", regular=True)
        np.testing.assert_array_equal(fixed.iloc[(index - index[0]) // step], y)


def _dated(strings, values=None):
    return pd.Series(np.arange(len(strings), dtype=float) if values is None else values,
                     index=pd.Index(strings))  # fmt: skip


@pytest.mark.parametrize(
    "dates, fmt",
    [
        (pd.date_range("2000-01-01", periods=N, freq="MS"), "%d/%m/%Y"),  # days <= 12: ambiguous
        (pd.date_range("2021-03-01", periods=N, freq="D"), "%d/%m/%Y"),
        (pd.date_range("2021-03-01", periods=N, freq="D"), "%m/%d/%Y"),
        (pd.date_range("2021-03-01", periods=N, freq="h"), "%Y-%m-%d %H:%M"),
    ],
    ids=["monthly day-first", "daily day-first", "daily month-first", "hourly ISO"],
)
@pytest.mark.parametrize("order", ["sorted by date", "sorted as text", "shuffled"])
def test_a_string_index_is_converted_to_dates_with_its_format_and_then_sorted(dates, fmt, order):
    # found in review: an unsorted string index was told sort_index(), which sorts text
    y_true = pd.Series(np.arange(N, dtype=float), index=dates)
    y = y_true.set_axis(dates.strftime(fmt))
    y = {"sorted by date": y, "sorted as text": y.sort_index(),
         "shuffled": y.sample(frac=1, random_state=0)}[order]  # fmt: skip
    message = _fit_error(y)
    assert f"y.index = pd.to_datetime(y.index, format={fmt!r})" in message
    chronological = pd.to_datetime(y.index, format=fmt).is_monotonic_increasing
    assert ("then y = y.sort_index()" in message) == (not chronological)
    fixed = _follow(message, y=y)["y"]
    pd.testing.assert_series_equal(fixed, y_true, check_freq=False, check_index_type=False)


def test_dates_that_read_both_day_and_month_first_on_a_grid_get_no_format():
    # 01/02/2000, 01/03/2000, ...: the 1st of each month, or January 2nd, 3rd, ...
    y = _dated([f"01/{m:02d}/2000" for m in range(1, 13)])
    message = _fit_error(y)
    assert "format of your strings" in message and "format='" not in message


@pytest.mark.parametrize(
    "index, fix",
    [
        (pd.Index([str(i) for i in range(N)]).sort_values(), "y.index = y.index.astype(int)"),
        (pd.Index(np.arange(N, dtype=float)), "y.index = y.index.astype(int)"),
        (pd.Index(list(pd.date_range("2021-03-01", periods=N).date)), "y.index = pd.to_datetime(y.index)"),
        (pd.Index(list(pd.period_range("2000-01", periods=N, freq="M")), dtype=object),
         "y.index = pd.PeriodIndex(y.index)"),  # fmt: skip
    ],
    ids=["integers as text", "whole floats", "datetime.date objects", "Period objects"],
)
def test_other_index_types_are_converted_then_sorted(index, fix):
    y = pd.Series(np.arange(N, dtype=float), index=index)
    message = _fit_error(y)
    assert fix in message
    _checks.check_series(_checks.as_frame(_follow(message, y=y)["y"]), "y", regular=True)


def test_two_time_points_without_freq_are_told_their_own_frequency():
    for freq in ["D", "MS", "W-SUN", "15min"]:
        dates = pd.DatetimeIndex(pd.date_range("2000-01-02", periods=2, freq=freq).to_list())
        message = _fit_error(pd.Series([1.0, 2.0], index=dates), fh=[1])
        assert f"y = y.asfreq({pd.tseries.frequencies.to_offset(freq).freqstr!r})" in message


@pytest.mark.parametrize("position", [0, 5, -1], ids=["first", "inner", "last"])
def test_missing_values_at_either_end_are_filled_too(position):
    # interpolate() alone leaves a leading NaN: the advice must fill it
    y = _with(_y(N), position, np.nan)
    fixed = _follow(_fit_error(y), y=y)["y"]
    assert not fixed.isna().any()
    _assert_kept(fixed, y.dropna())


def test_an_empty_column_is_to_be_dropped_not_filled():
    y = pd.DataFrame({"load": _y(N), "empty": np.nan})
    message = _fit_error(y)
    assert "column 'empty' holds no values at all" in message
    assert "y = y.drop(columns=['empty'])" in message


def test_values_huge_throughout_are_rescaled_and_outliers_replaced():
    y = _y(N) * 1e31
    fixed = _follow(_fit_error(y), y=y)["y"]
    power = round(np.log10(y.iloc[0] / fixed.iloc[0]))
    np.testing.assert_allclose(fixed * 10.0**power, y, rtol=1e-15)
    y = _with(_with(_y(N), 4, np.inf), 9, -1e35)
    fixed = _follow(_fit_error(y), y=y)["y"]
    _assert_kept(fixed, y.drop(y.index[[4, 9]]))


@pytest.mark.parametrize(
    "column, fix",
    [
        (pd.Series([str(v) for v in _y(N)], index=_index(N)), "y = y.astype({'load': float})"),
        (_y(N) > 10, "y = y.astype({'load': float})"),
        (pd.Series([str(v) for v in _y(N)], index=_index(N)).where(lambda s: s.index.hour != 5, "n/a"),
         "2 of its 40 values are not numbers, the first 'n/a' at Timestamp('2021-03-01 05:00:00')"),  # fmt: skip
    ],
    ids=["numbers as text", "bool", "one bad cell a day"],
)
def test_a_column_of_another_dtype_is_converted_as_its_values_allow(column, fix):
    y = column.rename("load")
    message = _fit_error(y, error=TypeError)
    assert fix in message
    if "not numbers" not in message:
        fixed = _follow(message, y=y)["y"]
        _checks.check_series(_checks.as_frame(fixed), "y")


def test_text_and_date_columns_of_X_are_encoded_or_dropped():
    y = _y(N)
    X = _X(N).assign(season=np.where(np.arange(N) % 2, "wet", "dry"))
    fixed = _follow(_fit_error(y, X=X, error=TypeError), X=X)["X"]
    assert list(fixed.columns) == ["temp", "hour", "season_dry", "season_wet"]
    X = _X(N).assign(day=_index(N))
    fixed = _follow(_fit_error(y, X=X, error=TypeError), X=X)["X"]
    assert list(fixed.columns) == ["temp", "hour"]


def test_a_too_short_series_is_told_the_longest_seq_len_that_fits():
    y = _y(N).iloc[:10]
    assert "lower seq_len to at most 7" in _fit_error(y)
    InformerForecaster(**{**TINY, "seq_len": 7}).fit(y, fh=FH)
    forecaster = InformerForecaster(**{**TINY, "validation_size": 0.05})
    with pytest.raises(ValueError, match=r"raise validation_size to at least 0.08"):
        forecaster.fit(_y(N), fh=FH)
    InformerForecaster(**{**TINY, "seq_len": 4, "validation_size": 0.08}).fit(_y(N), fh=FH)


# ---- panels in every form sktime takes ----------------------------------------------


def test_a_bad_panel_in_pretrain_or_nested_form_is_named_as_y(fitted):
    before = _snapshot(fitted)
    frames = [_y(N).to_frame(), _with(_y(N), 3, 1e35).to_frame()]
    with pytest.raises(ValueError, match=r"^y series 1 has 1 infinite or too large"):
        InformerForecaster(**TINY).pretrain(frames, fh=FH)
    nested = pd.DataFrame({"load": [s.iloc[:, 0] for s in frames]})
    with pytest.raises(ValueError, match=r"^y series 1 has 1 infinite or too large"):
        fitted.fit(nested, fh=FH)
    _assert_unchanged(fitted, before)


def test_panels_in_every_form_are_split_as_sktime_converts_them():
    from sktime.datatypes import convert_to

    frames = [_y(N).to_frame(), (2 * _y(N)).to_frame()]
    array = np.stack([f.to_numpy().T for f in frames])
    for panel in [frames, array, convert_to(frames, "nested_univ")]:
        expected = dict(_checks.panel_parts(convert_to(panel, "pd-multiindex")))
        parts = dict(_checks.panel_parts(panel))
        assert list(parts) == list(expected)
        for key, part in parts.items():
            np.testing.assert_array_equal(part.to_numpy(), expected[key].to_numpy())
            assert list(part.columns) == list(expected[key].columns)
    assert _checks.panel_parts(_y(N)) is None and _checks.panel_parts(array[0]) is None


# ---- nearly constant series -----------------------------------------------------------------


def test_near_constant_columns_are_those_constant_up_to_rounding():
    t = np.arange(N)
    values = np.column_stack([
        1000 + 1e-11 * np.sin(t),  # the case found: noise at 1e-14 of the level
        np.full(N, 7.3),  # exactly constant
        np.zeros(N),
        1e-9 * np.sin(t),  # tiny but all signal
        1000 + 1e-4 * np.sin(t),  # small but above float32's resolution
        np.where(t == 5, np.nan, 1.0),  # NaN: never constant
    ])  # fmt: skip
    held = _checks.near_constant_columns(values)
    np.testing.assert_array_equal(held, [True, True, True, False, False, False])
    levels = _checks.constant_levels(values)
    assert levels[1] == 7.3 and levels[2] == 0.0  # an exact constant is held exactly
    assert values[:, 0].min() <= levels[0] <= values[:, 0].max()
    assert np.isnan(levels[3:]).all()
    np.testing.assert_array_equal(
        _checks.held_columns(values[-8:], levels), [True, True, True, False, False, False]
    )
    moved = values[-8:] + [0, 1e-3, 0, 0, 0, 0]  # a held column that moves is forecast
    assert not _checks.held_columns(moved, levels)[1]



@pytest.mark.parametrize("scale", [True, False])
def test_a_nearly_constant_series_is_forecast_within_its_range(scale):
    y = pd.Series(1000 + 1e-11 * np.sin(np.arange(N)), index=_index(N))
    y_pred = InformerForecaster(**{**TINY, "scale": scale}).fit(y, fh=FH).predict()
    assert ((y_pred >= y.min()) & (y_pred <= y.max())).all(), y_pred - 1000


# ---- fh -----------------------------------------------------------------------------


_HOURLY = _index(N)
_CUTOFFS = {
    "hourly": (_checks.last_point(_HOURLY, _HOURLY.freq), _HOURLY.freq),
    "monthly": (pd.DatetimeIndex(["2003-04-01"], freq="MS"), pd.offsets.MonthBegin()),
    "periods": (pd.period_range("2003-04", periods=1, freq="M"), pd.offsets.MonthEnd()),
    "integers": (pd.Index([39]), 1),
}
FH_CASES = {
    "steps": ("hourly", [1, 3], [1, 3]),
    "time points": ("hourly", pd.DatetimeIndex(["2021-03-02 17:00"]), [2]),
    "month starts": ("monthly", pd.DatetimeIndex(["2003-05-01", "2003-07-01"]), [1, 3]),
    "periods": ("periods", pd.PeriodIndex(["2003-06"], freq="M"), [2]),
    "absolute integers": ("integers", ForecastingHorizon([45], is_relative=False), [6]),
    "month ends for month starts": ("monthly", pd.DatetimeIndex(["2003-05-31"]),
                                    r"off the grid .*between Timestamp\('2003-05-01.*'2003-06-01"),
    "30 minutes past": ("hourly", pd.DatetimeIndex(["2021-03-02 15:30"]), r"off the grid"),
    "behind": ("monthly", pd.DatetimeIndex(["2003-01-01"]), r"at or before the cutoff.*in-sample"),
    "zero": ("integers", [0, 1], r"1 step below 1, \[0\]"),
    "timestamps for periods": ("periods", pd.DatetimeIndex(["2003-06-01"]), r"fh=fh\.to_period\('M'\)"),
    "periods for timestamps": ("monthly", pd.PeriodIndex(["2003-06"], freq="M"), r"fh=fh\.to_timestamp\(\)"),
    "days for months": ("periods", pd.PeriodIndex(["2003-06-15"], freq="D"), r"fh=fh\.asfreq\('M'\)"),
    "periods ending off the grid": (
        "monthly", pd.PeriodIndex(["2003-06-15"], freq="D"), r"pass steps ahead, e\.g\. fh=\[1, 2, 3\]",
    ),
    "timestamps for integers": ("integers", pd.DatetimeIndex(["2003-06-01"]), r"time points like 40"),
    "integers for timestamps": (
        "hourly", ForecastingHorizon([41], is_relative=False),
        r"integers count steps ahead.*Timestamp\('2021-03-02 16:00:00'\) for the first step",
    ),  # fmt: skip
    "time spans": ("hourly", pd.to_timedelta(["2h", "4h"]), r"as integers, fh=\[2, 4\]"),
    "time spans of months": ("monthly", pd.to_timedelta(["31D"]), r"steps ahead as integers"),
    "empty": ("hourly", [], r"fh is empty"),
}  # fmt: skip


@pytest.mark.parametrize("case", FH_CASES, ids=list(FH_CASES))
def test_check_fh_returns_the_steps_or_says_what_is_wrong(case):
    kind, fh, expected = FH_CASES[case]
    cutoff, freq = _CUTOFFS[kind]
    if isinstance(expected, list):
        np.testing.assert_array_equal(_checks.check_fh(fh, cutoff, freq), expected)
        return
    with pytest.raises(ValueError, match=expected) as info:
        _checks.check_fh(fh, cutoff, freq)
    if "in-sample" in expected or "below 1" in expected:
        assert isinstance(info.value, NotImplementedError)  # as sktime's own check
    fix = re.search(r"fh=(fh\.\w+\('?\w*'?\))", str(info.value))
    if fix:  # a conversion offered lands on the grid, after the cutoff
        assert (_checks.check_fh(eval(fix[1], {"fh": fh}), cutoff, freq) >= 1).all()


def test_check_fh_converts_time_zones_only_where_the_points_land_on_the_grid():
    index = _HOURLY.tz_localize("Europe/Berlin")
    cutoff = _checks.last_point(index, _HOURLY.freq)
    ahead = pd.DatetimeIndex([index[-1] + pd.Timedelta("1h")])
    with pytest.raises(ValueError, match=r"fh=fh\.tz_convert\('Europe/Berlin'\)"):
        _checks.check_fh(ahead.tz_convert("UTC"), cutoff, _HOURLY.freq)
    with pytest.raises(ValueError, match=r"fh=fh\.tz_localize\('Europe/Berlin'\)"):
        _checks.check_fh(ahead.tz_localize(None), cutoff, _HOURLY.freq)
    with pytest.raises(ValueError, match=r"in UTC.* without a time zone; pass steps ahead"):
        _checks.check_fh(ahead.tz_convert("UTC"), _checks.last_point(_HOURLY, "h"), _HOURLY.freq)



def test_an_absolute_fh_left_behind_by_update_is_named_in_predict():
    y = _y()
    forecaster = InformerForecaster(**TINY).fit(y.iloc[:N], fh=pd.DatetimeIndex(y.index[[N]]))
    forecaster.update(y.iloc[N : N + 2], update_params=False)
    with pytest.raises(_checks.InSampleHorizonError, match=r"at or before the cutoff.*update"):
        forecaster.predict()


# ---- random_state and set_params ------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 0, 2**32 - 1, np.int64(7), np.random.RandomState(0)])
def test_check_random_state_takes_what_sklearn_seeds_with(value):
    _checks.check_random_state(value)


BAD_SEEDS = {
    "abc": r"random_state='abc' is not an integer",
    -1: r"random_state=-1 is out of range; pass None \(a fresh seed each fit\)",
    2**40: r"random_state=1099511627776 is out of range.*\[0, 2\*\*32 - 1\]",
    1.5: r"random_state=1.5 is not an integer",
    True: r"random_state=True is not an integer",
    "generator": r"numpy Generator.*int\(rng\.integers\(2\*\*32\)\)",
}


@pytest.mark.parametrize("value", BAD_SEEDS, ids=[str(v) for v in BAD_SEEDS])
def test_check_random_state_says_what_is_allowed(value):
    seed = np.random.default_rng(0) if value == "generator" else value
    with pytest.raises(ValueError, match=BAD_SEEDS[value]):
        _checks.check_random_state(seed)



@pytest.mark.parametrize("value", BAD_SEEDS, ids=[str(v) for v in BAD_SEEDS])
def test_a_bad_random_state_is_a_clear_error_in_fit(fitted, value):
    before = _snapshot(fitted)
    fitted.random_state = np.random.default_rng(0) if value == "generator" else value
    with pytest.raises(ValueError, match=BAD_SEEDS[value]):
        fitted.fit(_y(N), fh=FH)
    fitted.random_state = TINY["random_state"]
    _assert_unchanged(fitted, before)


@pytest.mark.parametrize(
    "old, new, changed",
    [
        ((0.1, 0.5, 0.9), np.array([0.1, 0.5, 0.9]), False),
        ((0.1, 0.5, 0.9), np.array([0.1, 0.5]), True),
        (96, np.array([96]), True),  # a shape changes the value
        (96, np.array([96, 48]), True),
        (np.array([1, 2]), np.array([1, 2]), False),
        ("auto", np.array(["auto"]), True),
        (None, np.array([]), True),
        (0.1, 0.1, False),
        (8, 16, True),
        ((1, (2, 3)), (1, 2, 3), True),  # ragged: not comparable as arrays
    ],
)
def test_param_changed_compares_arrays_by_value(old, new, changed):
    assert _checks.param_changed(old, new) is changed



def test_set_params_takes_array_values_and_fit_checks_them():
    forecaster = InformerForecaster(**{**TINY, "loss": "quantile"})
    forecaster.set_params(quantiles=np.array([0.1, 0.5, 0.9]))
    forecaster.fit(_y(N), fh=FH).predict_quantiles(alpha=[0.1, 0.9])
    forecaster.set_params(d_model=np.array([8, 16]), seq_len=np.array([96]))
    with pytest.raises(ValueError, match=r"seq_len=array\(\[96\]\) must be a positive integer"):
        forecaster.fit(_y(N), fh=FH)


# ---- accepted inputs -----------------------------------------------------------------


def _assert_forecast(y_pred, y):
    expected = pd.date_range(y.index[-1], periods=len(FH) + 1, freq="h")[1:]
    pd.testing.assert_index_equal(y_pred.index, expected, check_names=False)
    assert np.isfinite(y_pred.to_numpy()).all()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32", "Int64", "Float64"])
def test_integer_and_float32_columns_are_accepted(dtype):
    y = (_y(N) * 10).astype("int64").astype(dtype)
    X = _X().assign(hour=lambda X: X["hour"].astype("int64")).astype({"temp": "float32"})
    forecaster = InformerForecaster(**TINY).fit(y, X=X.iloc[:N], fh=FH)
    y_pred = forecaster.predict(X=X.iloc[N : N + 3])
    _assert_forecast(y_pred, y)
    assert y_pred.dtype == np.float64


def test_values_around_1e12_give_finite_forecasts_on_their_scale():
    y = _y(N) * 1e11  # about 1e12 +- 1e11
    y_pred = InformerForecaster(**TINY).fit(y, fh=FH).predict()
    _assert_forecast(y_pred, y)
    assert np.all(np.abs(y_pred - 1e12) < 5e11)


@pytest.mark.parametrize("scale", [True, False])
def test_a_constant_series_forecasts_its_constant(scale):
    y = pd.DataFrame({"flat": 7.3, "wave": _y(N).to_numpy()}, index=_index(N))
    y_pred = InformerForecaster(**{**TINY, "scale": scale}).fit(y, fh=FH).predict()
    assert (y_pred["flat"] == 7.3).all()
    assert np.isfinite(y_pred["wave"]).all() and y_pred["wave"].nunique() > 1


def test_a_constant_column_is_forecast_by_the_network_once_new_data_varies():
    y = pd.Series(7.3, index=_index(N + 3))
    forecaster = InformerForecaster(**TINY).fit(y.iloc[:N], fh=FH)
    forecaster.update(y.iloc[N:] + [0.0, 1.0, 2.0], update_params=False)
    assert not (forecaster.predict() == 7.3).all()


def test_X_longer_than_y_in_fit_is_accepted():
    y, X = _y(N), _X()
    a = InformerForecaster(**TINY).fit(y, X=X, fh=FH).predict(X=X_future)
    b = InformerForecaster(**TINY).fit(y, X=X.iloc[:N], fh=FH).predict(X=X_future)
    pd.testing.assert_series_equal(a, b, check_exact=True)


def test_X_in_predict_is_ignored_when_fit_had_none(fitted):
    pd.testing.assert_series_equal(fitted.predict(X=X_future), fitted.predict(), check_exact=True)


def test_a_univariate_update_may_carry_another_name(fitted):
    reference = copy.deepcopy(fitted).update(y_new, update_params=False).predict()
    fitted.update(y_new.rename("other"), update_params=False)
    y_pred = fitted.predict()
    assert y_pred.name == "other"  # sktime names forecasts after the last y seen
    pd.testing.assert_series_equal(y_pred, reference, check_exact=True, check_names=False)


def test_update_rows_may_overlap_the_cutoff(fitted):
    reference = copy.deepcopy(fitted).update(y_new, update_params=False).predict()
    fitted.update(_y().iloc[N - 3 :], update_params=False)
    pd.testing.assert_series_equal(fitted.predict(), reference, check_exact=True)


def test_an_empty_update_warns_and_changes_nothing(fitted):  # sktime's behaviour
    before = _snapshot(fitted)
    with pytest.warns(UserWarning, match="empty y"):
        fitted.update(y_new.iloc[:0])
    _assert_unchanged(fitted, before)


# ---- hyperparameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"gradient_clip": 0}, r"gradient_clip=0 must be None"),
        ({"gradient_clip": -1.0}, r"gradient_clip=-1.0"),
        ({"gradient_clip": float("inf")}, r"gradient_clip=inf"),
        ({"gradient_clip": "1"}, r"gradient_clip='1'"),
        ({"learning_rate": "fast"}, r"learning_rate='fast' must be a positive number"),
        ({"learning_rate": float("inf")}, r"learning_rate=inf"),
        ({"dropout": float("nan")}, r"dropout=nan"),
        ({"validation_size": -0.1}, r"validation_size=-0.1"),
        ({"batch_size": 0}, r"batch_size=0 must be a positive integer"),
        ({"d_model": 8.0}, r"d_model=8.0 must be a positive integer"),
        ({"distil": "yes"}, r"distil='yes' must be True or False"),
        ({"scale": 1}, r"scale=1 must be True or False"),
        ({"lradj": "cosine"}, r"lradj='cosine' is not one of"),
        ({"device": "gpu0"}, r"device='gpu0' is not a torch device"),
        # found by the fuzzer: distilling's BatchNorm fails on one time step
        (
            {"seq_len": 2, "label_len": 1, "e_layers": 3},
            r"seq_len=2 is too short for e_layers=3 .*distil=False",
        ),
    ],
)
def test_more_bad_hyperparameters_raise_in_fit(params, match):
    forecaster = InformerForecaster(**{**TINY, **params})  # __init__ never raises
    with pytest.raises(ValueError, match=match):
        forecaster.fit(_y(N), fh=FH)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_an_absent_device_is_a_clear_error():
    with pytest.raises(ValueError, match=r"device='cuda' is not available.*'auto'"):
        InformerForecaster(**{**TINY, "device": "cuda"}).fit(_y(N), fh=FH)


def test_gradient_clip_bounds_every_step():
    def change(clip):
        params = {**TINY, "gradient_clip": clip, "learning_rate": 1e-2}
        forecaster = InformerForecaster(**params).fit(_y(N), fh=FH)
        return _distance(forecaster.network_.state_dict(), _initial_weights(forecaster))

    # Adam divides by the gradient's scale: clipped far below its eps, steps nearly vanish
    assert change(1e-12) < 0.01 * change(None)


def _initial_weights(forecaster):
    """The network's weights before training: the fit's seed, no epochs."""
    from informer_sk.nn import Informer
    from informer_sk.runtime import seeded

    with seeded(forecaster.seed_, torch.device("cpu")):
        return Informer(forecaster.network_.config).state_dict()


def _distance(a, b):
    return sum(float((a[k].float() - b[k].float()).abs().sum()) for k in a)


# ---- training that fails ------------------------------------------------------------------


def _fail_on_training_call(monkeypatch, number, exception):
    """Make the ``number``-th training forward pass raise ``exception`` (counting from 1)."""
    real, calls = informer_sk.training._forward_loss, []

    def forward_loss(network, *args):
        if network.training:
            calls.append(1)
            if len(calls) == number:
                raise exception
        return real(network, *args)

    monkeypatch.setattr(informer_sk.training, "_forward_loss", forward_loss)


def _nan_loss(monkeypatch, number):
    real, calls = informer_sk.training._forward_loss, []

    def forward_loss(*args):
        loss = real(*args)
        calls.append(1)
        return loss * float("nan") if len(calls) == number else loss

    monkeypatch.setattr(informer_sk.training, "_forward_loss", forward_loss)


def test_diverging_training_names_the_cause_and_keeps_the_fitted_state(fitted, monkeypatch):
    before = _snapshot(fitted)
    _nan_loss(monkeypatch, 1)
    with pytest.raises(TrainingDiverged, match=r"loss became nan.*learning_rate.*gradient_clip"):
        fitted.fit(_y(N), fh=FH)
    _assert_unchanged(fitted, before)


def test_diverging_fine_tuning_in_update_keeps_the_fitted_state(fitted, monkeypatch):
    before = _snapshot(fitted)
    _nan_loss(monkeypatch, 1)
    with pytest.raises(TrainingDiverged):
        fitted.update(y_new, update_params=True)
    _assert_unchanged(fitted, before)


def test_a_network_that_forecasts_nan_is_a_clear_error_not_a_nan_forecast(fitted):
    # found by the fuzzer: unscaled X around 1e12 let the last step of training diverge
    # after its loss was checked
    with torch.no_grad():
        next(fitted.network_.parameters()).fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match=r"forecasts NaN or infinite values.*scale=True"):
        fitted.predict()


def test_a_huge_learning_rate_on_unscaled_data_diverges_with_a_clear_error():
    y = _y(N) * 1e14
    forecaster = InformerForecaster(**{**TINY, "scale": False, "learning_rate": 1e12,
                                       "train_epochs": 3})  # fmt: skip
    with pytest.raises(TrainingDiverged, match=r"Lower learning_rate \(now 1e\+12\)"):
        forecaster.fit(y, fh=FH)
    assert not forecaster.is_fitted


def test_ctrl_c_during_a_first_fit_leaves_the_forecaster_unfitted(monkeypatch):
    forecaster = InformerForecaster(**TINY)
    _fail_on_training_call(monkeypatch, 1, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        forecaster.fit(_y(N), fh=FH)
    assert not forecaster.is_fitted and not hasattr(forecaster, "network_")
    monkeypatch.undo()
    forecaster.fit(_y(N), fh=FH).predict()  # and it can be fitted after


def test_ctrl_c_during_a_refit_keeps_the_previous_fit(fitted, monkeypatch):
    before = _snapshot(fitted)
    _fail_on_training_call(monkeypatch, 1, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        fitted.fit(_y(N + 6), fh=FH)
    _assert_unchanged(fitted, before)


def test_ctrl_c_during_fine_tuning_keeps_the_previous_state(fitted, monkeypatch):
    before = _snapshot(fitted)
    _fail_on_training_call(monkeypatch, 1, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        fitted.update(y_new, update_params=True)
    _assert_unchanged(fitted, before)


def test_ctrl_c_with_early_stopping_keeps_the_best_epoch_and_warns(monkeypatch):
    params = {**TINY, "validation_size": 0.3, "train_epochs": 5}
    _fail_on_training_call(monkeypatch, 3, KeyboardInterrupt)  # in epoch 3
    forecaster = InformerForecaster(**params)
    with pytest.warns(UserWarning, match=r"interrupted in epoch 3; keeping the weights of epoch"):
        try:
            forecaster.fit(_y(2 * N), fh=FH)
        except KeyboardInterrupt:  # escaping, it would stop the whole test session
            pytest.fail("the KeyboardInterrupt escaped fit")
    assert forecaster.is_fitted and len(forecaster.history_) == 2
    best = min(forecaster.history_, key=lambda h: h["val_loss"])["epoch"]
    assert forecaster.best_epoch_ == best
    # the kept weights are those of the best epoch: the same as a run stopped there
    monkeypatch.undo()
    stopped = InformerForecaster(**{**params, "train_epochs": best}).fit(_y(2 * N), fh=FH)
    pd.testing.assert_series_equal(forecaster.predict(), stopped.predict(), check_exact=True)


def test_ctrl_c_with_early_stopping_before_a_validated_epoch_propagates(monkeypatch):
    _fail_on_training_call(monkeypatch, 1, KeyboardInterrupt)
    forecaster = InformerForecaster(**{**TINY, "validation_size": 0.3})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            forecaster.fit(_y(2 * N), fh=FH)
    assert not forecaster.is_fitted
    assert not [w for w in caught if "keeping the weights" in str(w.message)]


# ---- repeatable ------------------------------------------------------------------------------

_FRESH_PROCESS = """
import numpy as np, pandas as pd, torch
torch.set_num_threads(1)
from informer_sk import InformerForecaster
t = np.arange(60)
y = pd.Series(np.sin(t / 3.0), index=pd.date_range("2021-03-01", periods=60, freq="h"))
params = dict(seq_len=8, label_len=4, d_model=8, n_heads=2, d_ff=16, train_epochs=2,
              batch_size=8, validation_size=0.2, dropout=0.1, random_state=7, device="cpu")
print([v.hex() for v in InformerForecaster(**params).fit(y, fh=[1, 2, 3]).predict()])
"""


def test_same_random_state_is_bit_identical_across_fresh_processes():
    root = str(Path(__file__).resolve().parents[1])
    env = {"PYTHONPATH": root, "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.Popen([sys.executable, "-c", _FRESH_PROCESS], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, cwd=root)  # fmt: skip
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    printed = [out.strip().splitlines()[-1] for out, _ in outputs]
    namespace = {}
    exec(_FRESH_PROCESS.replace("print(", "here = ("), namespace)  # and in this process
    assert printed[0] == printed[1] == str(namespace["here"])


def test_random_state_none_is_not_deterministic():
    params = {**TINY, "random_state": None}
    a = InformerForecaster(**params).fit(_y(N), fh=FH).predict()
    b = InformerForecaster(**params).fit(_y(N), fh=FH).predict()
    assert not a.equals(b)


def test_update_leaves_the_callers_torch_rng_alone(fitted):
    state = torch.get_rng_state()
    fitted.update(y_new, update_params=True)
    fitted.predict()
    assert torch.equal(state, torch.get_rng_state())


# ---- advice that fits the data at hand, and the probabilistic methods' checks --------


@pytest.mark.parametrize(
    "n, seq_len, validation_size, fix",
    [
        (30, 20, 0.3, "lower validation_size to at most 0.23"),  # 9 validation rows; 7 fit
        (14, 11, 0.25, "set validation_size=0"),  # no row left over for validation
    ],
)
def test_a_too_short_series_is_offered_only_fixes_that_fit_it(n, seq_len, validation_size, fix):
    y = _y(n)
    forecaster = InformerForecaster(**{**TINY, "seq_len": seq_len, "validation_size": validation_size})
    with pytest.raises(ValueError) as info:
        forecaster.fit(y, fh=FH)
    assert fix in str(info.value)
    followed = 0.0 if "=0" in fix else float(fix.rsplit(" ", 1)[1])
    InformerForecaster(**{**TINY, "seq_len": seq_len, "validation_size": followed}).fit(y, fh=FH)


def test_residual_periods_without_a_season_says_to_set_residual_sp():
    with pytest.raises(ValueError, match=r"residual_periods=3 needs a seasonal baseline: set residual_sp"):
        InformerForecaster(**{**TINY, "residual_periods": 3}).fit(_y(N), fh=FH)
    InformerForecaster(**{**TINY, "residual_periods": 1, "residual_sp": 4}).fit(_y(N), fh=FH)


@pytest.mark.parametrize("method", ["predict_interval", "predict_quantiles", "predict_var"])
def test_the_probabilistic_methods_name_an_fh_behind_the_cutoff(method):
    forecaster = InformerForecaster(**{**TINY, "loss": "quantile"}).fit(_y(N), fh=_index()[N:N + 2])
    forecaster.update(_y(N + 4).iloc[N:], update_params=False)  # the absolute fh now lies behind
    with pytest.raises(_checks.InSampleHorizonError, match="cutoff"):
        getattr(forecaster, method)()


def test_update_of_a_panel_fit_with_a_single_series_is_a_clear_error():
    panel = pd.concat({"a": _y().to_frame(), "b": _y().to_frame() + 1}, names=["id", "time"])
    forecaster = InformerForecaster(**TINY).fit(panel.groupby("id").head(N), fh=FH)
    before = forecaster.predict()
    with pytest.raises(ValueError, match=r"single series, but the forecaster was fitted on a panel of 2 .*\['a', 'b'\]"):
        forecaster.update(_y().iloc[N:], update_params=False)
    pd.testing.assert_frame_equal(forecaster.predict(), before)
    single = InformerForecaster(**TINY).fit(_y(N), fh=FH)
    with pytest.raises(ValueError, match=r"is a panel, but the forecaster was fitted on a single series"):
        single.update(panel.groupby("id").tail(6), update_params=False)
