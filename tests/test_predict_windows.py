"""``predict_windows``: many origins in one batched pass, equal to predict at each."""

import copy

import numpy as np
import pandas as pd
import pytest
from sktime.performance_metrics.forecasting import mean_squared_error

from informer_sk import InformerForecaster
from tests.conftest import SMALL, hourly, panel

FH = [1, 2, 3, 4]


def _predict_at(forecaster, y, cutoff_position, n_fit, method="predict", **kwargs):
    """What predict gives after update(update_params=False) up to the origin."""
    moved = copy.deepcopy(forecaster)
    if cutoff_position >= n_fit:
        moved.update(y.iloc[n_fit : cutoff_position + 1], update_params=False)
    return getattr(moved, method)(**kwargs)


@pytest.mark.parametrize("attn", ["full", "prob"])
def test_every_origin_equals_predict_there(attn):
    y = hourly(220, n_columns=2)
    n_fit = 180
    forecaster = InformerForecaster(**SMALL, attn=attn).fit(y.iloc[:n_fit], fh=FH)
    pred = forecaster.predict_windows(y, start=y.index[n_fit - 1], step=5)
    cutoffs = pred.index.get_level_values("cutoff").unique()
    assert list(cutoffs) == list(y.index[n_fit - 1 : len(y) - 4 : 5])
    for cutoff in cutoffs:
        expected = _predict_at(forecaster, y, y.index.get_loc(cutoff), n_fit)
        np.testing.assert_allclose(pred.loc[cutoff].to_numpy(), expected.to_numpy(), rtol=1e-5, atol=1e-6)


def test_the_frame_scores_with_sktime_metrics_and_reaches_the_end_of_y():
    y = hourly(220)
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:180], fh=FH)
    pred = forecaster.predict_windows(y)
    assert pred.index.names == ["cutoff", None]
    assert pred.index.get_level_values(-1).max() == y.index[-1]
    assert pred.index.get_level_values("cutoff").min() == y.index[SMALL["seq_len"] - 1]
    truth = y.loc[pred.index.get_level_values(-1)].set_axis(pred.index)
    assert np.isfinite(mean_squared_error(truth, pred))


def test_a_panel_equals_predict_for_every_series():
    data = panel(a=hourly(200), b=hourly(190, seed=1, start="2021-03-01 10:00", level=50))
    fitted = data.groupby(level=0, group_keys=False).apply(lambda s: s.iloc[:-20])
    forecaster = InformerForecaster(**SMALL, series_embedding=True).fit(fitted, fh=FH)
    expected = forecaster.predict()
    pred = forecaster.predict_windows(data, step=1000, start=pd.Timestamp("2021-03-08 11:00"))
    for key in ("a", "b"):
        cutoff = forecaster._contexts[key].y.index[-1]
        np.testing.assert_allclose(
            pred.loc[(key, cutoff)].to_numpy(), expected.loc[key].to_numpy(), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_quantiles_equal_predict_quantiles(loss):
    y = hourly(220)
    n_fit = 180
    forecaster = InformerForecaster(**SMALL, loss=loss).fit(y.iloc[:n_fit], fh=FH)
    alpha = [0.1, 0.5, 0.9]
    pred = forecaster.predict_windows(y, start=y.index[n_fit - 1], step=10, alpha=alpha)
    for cutoff in pred.index.get_level_values("cutoff").unique():
        expected = _predict_at(forecaster, y, y.index.get_loc(cutoff), n_fit, "predict_quantiles", alpha=alpha)
        np.testing.assert_allclose(pred.loc[cutoff].to_numpy(), expected.to_numpy(), rtol=1e-5, atol=1e-6)


def test_bad_requests_raise_clear_errors():
    y = hourly(220)
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:180], fh=FH)
    with pytest.raises(ValueError, match="probabilistic head"):
        forecaster.predict_windows(y, alpha=[0.1])
    with pytest.raises(ValueError, match="no origin"):
        forecaster.predict_windows(y.iloc[:20])
    with pytest.raises(ValueError, match="step=0"):
        forecaster.predict_windows(y, step=0)
    with pytest.raises(ValueError, match=r"fh=\[9\]"):
        forecaster.predict_windows(y, fh=[9])
