"""Intervals, quantiles, variances and distributions of InformerForecaster.

Through the public API, as a user calls it: ``loss="quantile"`` and ``loss="normal"``.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.base import clone

import informer_sk.forecaster
from informer_sk import InformerForecaster
from informer_sk.training import gaussian_nll, pinball_loss
from tests.conftest import SMALL

FH = [1, 2, 3]
LEVELS = list(np.linspace(0.025, 0.975, 39))


def _hourly(n=24 * 20, n_columns=1, seed=0, noise=0.3, amplitude=1.0):
    """Noisy daily-seasonal hourly series."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    index = pd.date_range("2021-03-01", periods=n, freq="h")
    data = {
        f"c{i}": 10 + amplitude * (i + 1) * np.sin(2 * np.pi * (t + 3 * i) / 24)
        + rng.normal(0, noise, n)
        for i in range(n_columns)
    }
    return pd.DataFrame(data, index=index)


@pytest.fixture(scope="module", params=["quantile", "normal"])
def fitted(request):
    """A two-column forecaster of each probabilistic head."""
    return InformerForecaster(**SMALL, loss=request.param).fit(_hourly(n_columns=2), fh=FH)


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_80_percent_intervals_cover_70_to_90_percent_across_rolling_origins(loss):
    """The acceptance test of issue 4: calibrated intervals on a noisy seasonal series."""
    y = _hourly(24 * 25, seed=1, noise=0.5, amplitude=2.0)["c0"]
    n_test, step = 144, 12
    forecaster = InformerForecaster(
        seq_len=48, label_len=24, d_model=16, n_heads=2, d_ff=32, train_epochs=6,
        batch_size=16, learning_rate=1e-3, lradj="constant", validation_size=0,
        random_state=1, device="cpu", loss=loss,
    )  # fmt: skip
    forecaster.fit(y.iloc[:-n_test], fh=np.arange(1, step + 1))
    inside = []
    for origin in range(len(y) - n_test, len(y), step):
        actual = y.iloc[origin : origin + step]
        interval = forecaster.predict_interval(coverage=0.8)[("c0", 0.8)]
        inside.extend((interval["lower"] <= actual) & (actual <= interval["upper"]))
        forecaster.update(actual, update_params=False)
    assert len(inside) == n_test
    assert 0.7 <= np.mean(inside) <= 0.9


def test_quantiles_never_cross(fitted):
    quantiles = fitted.predict_quantiles(alpha=LEVELS[::-1])  # in any order asked
    for column in ("c0", "c1"):
        values = quantiles[column][sorted(LEVELS)].to_numpy()
        assert (np.diff(values, axis=1) >= 0).all()
    intervals = fitted.predict_interval(coverage=[0.95, 0.5])
    assert (intervals[("c0", 0.95, "lower")] <= intervals[("c0", 0.5, "lower")]).all()
    assert (intervals[("c0", 0.5, "upper")] <= intervals[("c0", 0.95, "upper")]).all()


def test_interval_quantile_and_variance_frames_are_in_sktimes_format(fitted):
    y = _hourly(n_columns=2)
    future = pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=3, freq="h")
    intervals = fitted.predict_interval(coverage=[0.8, 0.5])
    expected = pd.MultiIndex.from_product([["c0", "c1"], [0.8, 0.5], ["lower", "upper"]])
    pd.testing.assert_index_equal(intervals.columns, expected)
    pd.testing.assert_index_equal(intervals.index, future, check_names=False)
    quantiles = fitted.predict_quantiles(alpha=[0.1, 0.5])
    pd.testing.assert_index_equal(
        quantiles.columns, pd.MultiIndex.from_product([["c0", "c1"], [0.1, 0.5]])
    )
    var = fitted.predict_var()
    assert list(var.columns) == ["c0", "c1"] and (var.to_numpy() > 0).all()
    pd.testing.assert_index_equal(var.index, future, check_names=False)


def test_a_series_keeps_its_name_in_the_interval_columns():
    y = _hourly()["c0"].rename("load")
    forecaster = InformerForecaster(**SMALL, loss="quantile").fit(y, fh=FH)
    assert forecaster.predict_interval().columns.tolist() == [
        ("load", 0.9, "lower"),
        ("load", 0.9, "upper"),
    ]


def test_the_point_forecast_is_the_median_or_the_mean(fitted):
    median = fitted.predict_quantiles(alpha=[0.5])
    np.testing.assert_array_equal(fitted.predict().to_numpy(), median.to_numpy())


def test_the_quantile_head_interpolates_between_its_trained_levels():
    forecaster = InformerForecaster(**SMALL, loss="quantile", quantiles=(0.1, 0.5, 0.9))
    forecaster.fit(_hourly(), fh=FH)
    q = forecaster.predict_quantiles(alpha=[0.1, 0.3, 0.5, 0.7, 0.9])["c0"]
    np.testing.assert_allclose(q[0.3], (q[0.1] + q[0.5]) / 2)
    np.testing.assert_allclose(q[0.7], (q[0.5] + q[0.9]) / 2)
    assert forecaster.quantiles_ == (0.1, 0.5, 0.9)


def test_levels_outside_the_trained_ones_are_refused_with_the_fix():
    forecaster = InformerForecaster(**SMALL, loss="quantile", quantiles=(0.9, 0.5, 0.1))
    forecaster.fit(_hourly(), fh=FH)
    with pytest.raises(ValueError, match=r"\[0.01\].*\[0.1, 0.9\].*add them to quantiles"):
        forecaster.predict_quantiles(alpha=[0.01, 0.5])
    with pytest.raises(ValueError, match="add them to quantiles"):
        forecaster.predict_interval(coverage=0.9)
    forecaster.predict_interval(coverage=0.8)  # 0.1 and 0.9 from sktime's arithmetic


def test_the_normal_head_gives_an_skpro_normal_consistent_with_the_rest():
    from skpro.distributions import Normal

    forecaster = InformerForecaster(**SMALL, loss="normal").fit(_hourly(n_columns=2), fh=FH)
    dist = forecaster.predict_proba()
    assert isinstance(dist, Normal)
    mean, var = forecaster.predict(), forecaster.predict_var()
    pd.testing.assert_frame_equal(dist.mean(), mean, check_freq=False)
    np.testing.assert_allclose(dist.var().to_numpy(), var.to_numpy(), rtol=1e-10)
    upper = forecaster.predict_quantiles(alpha=[0.9]).xs(0.9, axis=1, level=1)
    np.testing.assert_allclose(upper, mean + np.sqrt(var) * norm.ppf(0.9), rtol=1e-10)


def test_the_quantile_head_has_no_distribution_and_says_what_to_use():
    forecaster = InformerForecaster(**SMALL, loss="quantile").fit(_hourly(), fh=FH)
    with pytest.raises(NotImplementedError, match="predict_quantiles.*loss='normal'"):
        forecaster.predict_proba()


def test_intervals_live_on_the_users_scale():
    y = _hourly() * 100 + 5000
    forecaster = InformerForecaster(**SMALL, loss="quantile").fit(y, fh=FH)
    interval = forecaster.predict_interval(coverage=0.5)[("c0", 0.5)]
    assert (interval["lower"] > 4500).all() and (interval["upper"] < 7500).all()
    width = interval["upper"] - interval["lower"]
    # a 50% interval of data whose noise sd is 30 spans tens, not units or thousands
    assert (width > 5).all() and (width < 500).all()


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_a_constant_column_gets_degenerate_intervals_at_the_constant(loss):
    y = _hourly().assign(flat=7.5)
    forecaster = InformerForecaster(**SMALL, loss=loss).fit(y, fh=FH)
    intervals = forecaster.predict_interval(coverage=[0.5, 0.9])["flat"]
    assert (intervals.to_numpy() == 7.5).all()
    assert (forecaster.predict_var()["flat"] == 0).all()
    assert (forecaster.predict_var()["c0"] > 0).all()


def test_the_pred_int_tag_follows_the_loss():
    assert not InformerForecaster().get_tag("capability:pred_int")
    for loss in ("quantile", "normal"):
        forecaster = InformerForecaster(loss=loss)
        assert forecaster.get_tag("capability:pred_int")
        assert clone(forecaster).get_tag("capability:pred_int")
    assert InformerForecaster().set_params(loss="normal").get_tag("capability:pred_int")
    assert not InformerForecaster(loss="normal").set_params(loss="mse").get_tag(
        "capability:pred_int"
    )


def test_point_forecasters_still_refuse_intervals():
    forecaster = InformerForecaster(**SMALL).fit(_hourly(), fh=FH)
    with pytest.raises(NotImplementedError, match="prediction intervals"):
        forecaster.predict_interval()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"loss": "pinball"}, r"loss='pinball' is not one of \('mse', 'quantile', 'normal'\)"),
        ({"quantiles": (0.1, 0.9)}, r"quantiles=\(0.1, 0.9\) must hold 0.5"),
        ({"quantiles": (0.5,)}, r"at least one other level"),
        ({"quantiles": (0.0, 0.5)}, r"must hold numbers in \(0, 1\)"),
        ({"quantiles": (0.5, 0.9, 0.9)}, "holds a level twice"),
        ({"quantiles": 0.5}, "must be a tuple of levels"),
        ({"quantiles": "0.5"}, "must be a tuple of levels"),
    ],
)
def test_bad_loss_or_quantiles_are_refused_before_anything_changes(params, match):
    forecaster = InformerForecaster(**SMALL).fit(_hourly(), fh=FH)
    before = forecaster.predict()
    for name, value in params.items():
        setattr(forecaster, name, value)  # set_params would reset the fitted state itself
    with pytest.raises(ValueError, match=match):
        forecaster.fit(_hourly(seed=1), fh=FH)
    pd.testing.assert_frame_equal(forecaster.predict(), before)


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_update_fine_tunes_with_the_fitted_loss(loss, monkeypatch):
    losses, real = [], informer_sk.forecaster.train_network

    def train_network(*args, **settings):
        losses.append(settings["loss"])
        return real(*args, **settings)

    monkeypatch.setattr(informer_sk.forecaster, "train_network", train_network)
    y = _hourly(24 * 21)
    forecaster = InformerForecaster(**SMALL, loss=loss).fit(y.iloc[:-24], fh=FH)
    forecaster.update(y.iloc[-24:], update_params=True)
    fit_loss, fine_tune_loss = (getattr(f, "func", f) for f in losses)
    assert fit_loss is fine_tune_loss is {"quantile": pinball_loss, "normal": gaussian_nll}[loss]
    assert getattr(losses[0], "keywords", None) == getattr(losses[1], "keywords", None)
    assert len(forecaster.history_) == 2 * SMALL["train_epochs"]
