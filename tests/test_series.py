"""Per-series context: stacking a panel, scaling statistics, predict's input windows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from informer_sk import InformerForecaster, _checks
from informer_sk.series import panel_cutoff, stack_series, stacked_freq, standard_scaler
from informer_sk.windows import split_panel
from tests.conftest import SMALL, hourly, panel


def test_standard_scaler_matches_scikit_learns_fit():
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(5, 2, 50), np.full(50, 3.0), 1e9 + rng.normal(0, 1e-8, 50)])
    ours, theirs = standard_scaler(values, True), StandardScaler().fit(values)
    for name in ("mean_", "var_", "scale_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)
    assert ours.scale_[1] == 1.0  # a constant column is not divided by zero
    np.testing.assert_array_equal(ours.transform(values), (values - ours.mean_) / ours.scale_)
    unscaled = standard_scaler(values, False)
    assert unscaled.mean_ is None and (unscaled.transform(values) == values).all()


def test_stacking_reads_series_in_order_of_first_appearance_even_when_interleaved():
    frame = panel(b=hourly(30, seed=1), a=hourly(40, seed=2, start="2021-03-02"))
    interleaved = frame.sample(frac=1.0, random_state=0).sort_index(level="time", kind="stable")
    X = interleaved.rename(columns={"c0": "x"}) * 2
    stacked = stack_series(interleaved, X)
    expected = split_panel(interleaved)
    assert stacked.keys == [key for key, _ in expected]
    for i, (key, part) in enumerate(expected):
        y_i, X_i = stacked.frames(i, slice(None))
        pd.testing.assert_frame_equal(y_i, part, check_freq=False)
        np.testing.assert_array_equal(X_i.to_numpy(), 2 * part.to_numpy())
        assert stacked.index(i).equals(part.index)
    assert stacked_freq(stacked) == pd.tseries.frequencies.to_offset("h")


def test_stacking_a_hierarchy_keys_series_by_tuples():
    frame = pd.concat({("x", 1): hourly(30), ("y", 2): hourly(30, seed=3)}, names=["l0", "l1", "time"])
    assert stack_series(frame, None).keys == [("x", 1), ("y", 2)]


def test_series_on_one_hourly_grid_infer_one_frequency_not_one_each(monkeypatch):
    calls = []
    index_freq = _checks.index_freq
    monkeypatch.setattr(_checks, "index_freq", lambda *args: calls.append(args) or index_freq(*args))
    stacked = stack_series(panel(a=hourly(60), b=hourly(50, start="2021-03-04"), c=hourly(70)), None)
    assert stacked_freq(stacked) == pd.tseries.frequencies.to_offset("h")
    assert len(calls) == 1


def test_a_series_off_the_grid_is_named_as_before():
    gappy = hourly(60, seed=1).drop(hourly(60).index[30])
    stacked = stack_series(panel(a=hourly(60), b=gappy), None)
    with pytest.raises(ValueError, match="'b'"):
        stacked_freq(stacked)


@pytest.fixture(scope="module")
def fitted_with_x():
    y = panel(a=hourly(200, seed=1), b=hourly(230, seed=2, start="2021-03-03"))
    X = (y * 0.5 + 1).rename(columns={"c0": "x"})
    forecaster = InformerForecaster(**SMALL).fit(y, X=X, fh=[1, 2, 3])
    future = panel(
        a=pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=pd.date_range(y.loc["a"].index[-1], periods=4, freq="h")[1:]),
        b=pd.DataFrame({"x": [4.0, 5.0, 6.0]}, index=pd.date_range(y.loc["b"].index[-1], periods=4, freq="h")[1:]),
    )
    return forecaster, y, X, future


def test_panel_predict_with_x_equals_the_backtest_from_each_series_cutoff(fitted_with_x):
    forecaster, y, X, future = fitted_with_x
    pred = forecaster.predict(X=future)
    # the backtest reads the same windows from the series extended by the horizon (its
    # targets there are only the truth to score against, never read as input)
    y_ext = pd.concat([y, future.rename(columns={"x": "c0"}) * 0]).sort_index()
    X_ext = pd.concat([X, future]).sort_index()
    for key in ("a", "b"):
        cutoff = y.loc[key].index[-1]
        windows = forecaster.predict_windows(y_ext.loc[[key]], X=X_ext.loc[[key]], start=cutoff)
        last = windows.xs(cutoff, level="cutoff")
        # equal up to float32 rounding: one window per pass there, both series here
        np.testing.assert_allclose(last.to_numpy(), pred.loc[[key]].to_numpy(), rtol=1e-6)
        assert pred.loc[key].index.equals(future.loc[key].index)


def test_x_lacking_a_step_of_one_series_names_that_series_and_the_step(fitted_with_x):
    forecaster, _, _, future = fitted_with_x
    with pytest.raises(ValueError, match="lacks rows at 1 of the 3 steps of fh"):
        forecaster.predict(X=future.drop(future.index[4]))
    with pytest.raises(ValueError, match="lacks series 'b'"):
        forecaster.predict(X=future.loc[["a"]])


def test_a_monthly_panel_is_forecast_on_each_series_own_months():
    def monthly(n, start, seed):
        return hourly(n, seed=seed).set_axis(pd.date_range(start, periods=n, freq="MS"))

    y = panel(a=monthly(60, "2010-01-01", 1), b=monthly(50, "2012-06-01", 2))
    pred = InformerForecaster(**SMALL).fit(y, fh=[1, 2]).predict()
    assert list(pred.loc["a"].index) == list(pd.date_range("2015-01-01", periods=2, freq="MS"))
    assert list(pred.loc["b"].index) == list(pd.date_range("2016-08-01", periods=2, freq="MS"))


@pytest.mark.parametrize(
    "frame",
    [
        panel(b=hourly(30, seed=1), a=hourly(40, seed=2, start="2021-03-02")),
        pd.concat({("x", 1): hourly(30), ("y", 2): hourly(50, start="2021-02-27")}, names=["l0", "l1", "time"]),
        panel(a=hourly(30).to_period("h"), b=hourly(20, start="2021-03-05").to_period("h")),
        panel(a=hourly(30).reset_index(drop=True), b=hourly(35).reset_index(drop=True)),
        panel(a=hourly(30).tz_localize("Europe/Berlin"), b=hourly(20).tz_localize("Europe/Berlin")),
    ],
    ids=["datetime", "hierarchy", "period", "integer", "tz"],
)
def test_panel_cutoff_is_sktimes(frame):
    from sktime.datatypes._utilities import get_cutoff

    ours, theirs = panel_cutoff(frame), get_cutoff(frame, return_index=True)
    pd.testing.assert_index_equal(ours, theirs)
    assert getattr(ours, "freq", None) == getattr(theirs, "freq", None)


def test_panel_cutoff_leaves_what_it_does_not_read_to_sktime():
    frame = panel(a=hourly(30), b=hourly(40))
    interleaved = frame.sort_index(level="time", kind="stable")
    assert panel_cutoff(interleaved) is None and panel_cutoff(hourly(30)) is None
    assert panel_cutoff(frame.iloc[:0]) is None
