"""``channel_independent=True``: every column of ``y`` a univariate series of one network.

The reference throughout is the build the benchmark's ``informer-ci`` entry used
before the parameter existed: the columns reshaped by hand into a panel of univariate
series, fitted with ``channel_independent=False``, and its forecast of each series
read off as a column. With the same ``random_state`` the network sees the same windows
in the same order, so the forecasts must agree to float tolerance.
"""

import numpy as np
import pandas as pd
import pytest

from informer_sk import InformerForecaster
from tests.conftest import SMALL, hourly, panel

N = 24 * 5  # rows of the fitted stretch: about a hundred windows per column
FH = [1, 2, 3]


def _columns_as_series(y):
    """The benchmark's reshaping: every column of every series a univariate series."""
    if not isinstance(y.index, pd.MultiIndex):
        return pd.concat({c: y[[c]].set_axis(["y"], axis=1) for c in y.columns}, names=["column", "time"])
    return pd.concat(
        {(key, c): part.droplevel(0)[[c]].set_axis(["y"], axis=1) for key, part in y.groupby(level=0, sort=False)
         for c in part.columns},
        names=["id", "column", "time"],
    )  # fmt: skip


def _repeated(X, columns):
    """Exogenous ``X`` of a single series repeated for every column, as the reference needs."""
    return pd.concat({c: X for c in columns}, names=["column", "time"])


def _column(reference_frame, column, key=None):
    """One column's forecast out of the reference's panel forecast, as an array."""
    part = reference_frame.xs(column if key is None else (key, column), drop_level=True)
    return part.to_numpy()


def _two_series(n_dropped=0):
    """Two series of two columns, of different lengths and levels, ending together."""
    return panel(
        a=hourly(N, n_columns=2).iloc[: N - n_dropped],
        b=hourly(N - 24, n_columns=2, seed=1, start="2021-03-02", level=50.0).iloc[: N - 24 - n_dropped],
    )


def test_fit_equals_the_benchmarks_panel_of_columns():
    y = hourly(N, n_columns=3)
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(y, fh=FH)
    reference = InformerForecaster(**SMALL).fit(_columns_as_series(y), fh=FH)
    joint = InformerForecaster(**SMALL).fit(y, fh=FH)

    y_pred = forecaster.predict()
    pd.testing.assert_index_equal(y_pred.index, joint.predict().index)
    assert list(y_pred.columns) == ["c0", "c1", "c2"]
    expected = reference.predict()
    for column in y.columns:
        np.testing.assert_allclose(y_pred[column].to_numpy(), _column(expected, column)[:, 0], rtol=1e-6)
    assert forecaster.network_.config.enc_in == forecaster.network_.config.c_out == 1
    assert [h["train_loss"] for h in forecaster.history_] == pytest.approx(
        [h["train_loss"] for h in reference.history_], rel=1e-6
    )
    # one scaler per column, with that column's statistics
    assert list(forecaster.y_scaler_) == ["c0", "c1", "c2"]
    np.testing.assert_allclose(forecaster.y_scaler_["c1"].mean_, [y["c1"].mean()])


def test_exogenous_X_is_shared_by_every_column():
    data = hourly(N + 3, n_columns=3)
    y, X = data[["c0", "c1"]].iloc[:N], data[["c2"]]
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(y, X=X.iloc[:N], fh=FH)
    reference = InformerForecaster(**SMALL).fit(_columns_as_series(y), X=_repeated(X.iloc[:N], y.columns), fh=FH)
    assert forecaster.network_.config.enc_in == 2  # the column, then X
    y_pred = forecaster.predict(X=X.iloc[N:])
    expected = reference.predict(X=_repeated(X.iloc[N:], y.columns))
    for column in y.columns:
        np.testing.assert_allclose(y_pred[column].to_numpy(), _column(expected, column)[:, 0], rtol=1e-6)


def test_one_column_forecasts_as_without_channel_independence():
    y = hourly(N)["c0"]
    independent = InformerForecaster(**SMALL, channel_independent=True).fit(y, fh=FH)
    joint = InformerForecaster(**SMALL).fit(y, fh=FH)
    pd.testing.assert_series_equal(independent.predict(), joint.predict())


def test_a_panel_is_forecast_per_series_and_column_in_its_own_index():
    y = _two_series()
    params = {**SMALL, "series_embedding": True}
    forecaster = InformerForecaster(**params, channel_independent=True).fit(y, fh=FH)
    reference = InformerForecaster(**params).fit(_columns_as_series(y), fh=FH)
    joint = InformerForecaster(**params).fit(y, fh=FH)

    y_pred = forecaster.predict()
    pd.testing.assert_index_equal(y_pred.index, joint.predict().index)
    pd.testing.assert_index_equal(y_pred.columns, joint.predict().columns)
    expected = reference.predict()
    for key in ("a", "b"):
        for column in ("c0", "c1"):
            np.testing.assert_allclose(y_pred.loc[key, column].to_numpy(),
                                       _column(expected, column, key)[:, 0], rtol=1e-6)  # fmt: skip
    # one embedding vector and one scaler per (series, column)
    assert forecaster.network_.config.n_series == 4
    assert list(forecaster.y_scaler_) == [("a", "c0"), ("a", "c1"), ("b", "c0"), ("b", "c1")]
    np.testing.assert_allclose(forecaster.y_scaler_[("b", "c1")].mean_, [y.loc["b", "c1"].mean()])


@pytest.mark.parametrize("fine_tune_epochs", [0, 1])
def test_pretrain_then_fit_on_other_columns(fine_tune_epochs):
    params = {**SMALL, "fine_tune_epochs": fine_tune_epochs}
    y = _two_series()
    new = hourly(N, n_columns=3, seed=5).add_prefix("other_")
    forecaster = InformerForecaster(**params, channel_independent=True)
    forecaster.pretrain(y, fh=FH).fit(new, fh=FH)
    reference = InformerForecaster(**params)
    reference.pretrain(_columns_as_series(y), fh=FH).fit(_columns_as_series(new), fh=FH)

    assert forecaster.pretrained_data_["y_columns"] == ["c0", "c1"]
    y_pred, expected = forecaster.predict(), reference.predict()
    assert list(y_pred.columns) == list(new.columns)
    for column in new.columns:
        np.testing.assert_allclose(y_pred[column].to_numpy(), _column(expected, column)[:, 0], rtol=1e-6)
    assert len(forecaster.history_) == fine_tune_epochs


def test_changing_channel_independent_after_pretrain_discards_the_pretrained_network():
    forecaster = InformerForecaster(**SMALL, channel_independent=True).pretrain(_two_series(), fh=FH)
    with pytest.warns(UserWarning, match=r"set_params changed \['channel_independent'\]"):
        forecaster.set_params(channel_independent=False)
    assert not hasattr(forecaster, "pretrained_network_")


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_probabilistic_forecasts_come_back_in_the_users_columns(loss):
    y = hourly(N, n_columns=2)
    params = {**SMALL, "loss": loss}
    forecaster = InformerForecaster(**params, channel_independent=True).fit(y, fh=FH)
    reference = InformerForecaster(**params).fit(_columns_as_series(y), fh=FH)
    joint = InformerForecaster(**params).fit(y, fh=FH)

    alpha = [0.1, 0.5, 0.9]
    quantiles = forecaster.predict_quantiles(alpha=alpha)
    pd.testing.assert_index_equal(quantiles.columns, joint.predict_quantiles(alpha=alpha).columns)
    expected = reference.predict_quantiles(alpha=alpha)
    for column in y.columns:
        np.testing.assert_allclose(quantiles[column].to_numpy(), _column(expected, column), rtol=1e-6)
    interval = forecaster.predict_interval(coverage=0.8)
    pd.testing.assert_index_equal(interval.columns, joint.predict_interval(coverage=0.8).columns)
    np.testing.assert_allclose(interval[("c1", 0.8, "upper")].to_numpy(), quantiles[("c1", 0.9)].to_numpy())
    variance = forecaster.predict_var()
    assert list(variance.columns) == ["c0", "c1"] and (variance.to_numpy() > 0).all()
    np.testing.assert_allclose(variance["c0"].to_numpy(), _column(reference.predict_var(), "c0")[:, 0], rtol=1e-6)
    if loss == "normal":
        distribution = forecaster.predict_proba()
        assert list(distribution.columns) == ["c0", "c1"]
        np.testing.assert_allclose(distribution.mean().to_numpy(), forecaster.predict().to_numpy())


def test_predict_windows_equals_predict_at_an_origin():
    y = hourly(N + 12, n_columns=2)
    forecaster = InformerForecaster(**SMALL, loss="quantile", channel_independent=True).fit(y.iloc[:N], fh=FH)
    origin = y.index[N - 1]
    windows = forecaster.predict_windows(y, start=origin, step=4)
    assert list(windows.columns) == ["c0", "c1"]
    assert windows.index.names == ["cutoff", None]
    pd.testing.assert_frame_equal(windows.xs(origin, level="cutoff"), forecaster.predict(), check_freq=False)
    alpha = [0.1, 0.9]
    quantiles = forecaster.predict_windows(y, start=origin, alpha=alpha).xs(origin, level="cutoff")
    np.testing.assert_allclose(quantiles.to_numpy(), forecaster.predict_quantiles(alpha=alpha).to_numpy())
    assert list(quantiles.columns) == [("c0", 0.1), ("c0", 0.9), ("c1", 0.1), ("c1", 0.9)]

    with pytest.raises(ValueError, match=r"y passed to predict_windows has columns \['c0'\].*pass all of them"):
        forecaster.predict_windows(y[["c0"]])


def test_predict_windows_of_a_panel_equals_predict_of_every_series():
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(_two_series(n_dropped=12), fh=FH)
    origin = _two_series(n_dropped=12).loc["a"].index[-1]  # the cutoff of both series
    windows = forecaster.predict_windows(_two_series(), start=origin)
    assert list(windows.columns) == ["c0", "c1"]
    assert windows.index.names == ["id", "cutoff", "time"]
    pd.testing.assert_frame_equal(windows.xs(origin, level="cutoff"), forecaster.predict(), check_freq=False)


@pytest.mark.parametrize("update_params", [False, True])
def test_update_continues_every_column(update_params):
    y = hourly(N + 6, n_columns=2)
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(y.iloc[:N], fh=FH)
    reference = InformerForecaster(**SMALL).fit(_columns_as_series(y.iloc[:N]), fh=FH)
    forecaster.update(y.iloc[N:], update_params=update_params)
    reference.update(_columns_as_series(y.iloc[N:]), update_params=update_params)

    assert forecaster.cutoff[0] == y.index[-1]
    assert len(forecaster.history_) == len(reference.history_) == SMALL["train_epochs"] * (1 + update_params)
    y_pred, expected = forecaster.predict(), reference.predict()
    assert y_pred.index[0] == y.index[-1] + y.index.freq
    for column in y.columns:
        np.testing.assert_allclose(y_pred[column].to_numpy(), _column(expected, column)[:, 0], rtol=1e-6)


@pytest.mark.parametrize(
    "rows, columns, match",
    [
        (slice(N, None), ["c1"], r"y passed to update has columns \['c1'\], but the forecaster was fitted"),
        (slice(N + 2, None), ["c0", "c1"], "must continue the fitted series on its grid"),
    ],
)
def test_bad_updates_raise_and_change_nothing(rows, columns, match):
    y = hourly(N + 6, n_columns=2)
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(y.iloc[:N], fh=FH)
    before = forecaster.predict()
    with pytest.raises(ValueError, match=match):
        forecaster.update(y.iloc[rows][columns])
    assert forecaster.cutoff[0] == y.index[N - 1]
    pd.testing.assert_frame_equal(forecaster.predict(), before)


def test_a_bad_value_is_refused_before_anything_changes():
    y = hourly(N, n_columns=2)
    forecaster = InformerForecaster(**SMALL, channel_independent=True).fit(y, fh=FH)
    forecaster.channel_independent = "yes"  # as set_params would, without sktime's reset
    with pytest.raises(ValueError, match="channel_independent='yes' must be True or False"):
        forecaster.fit(y, fh=FH)
    assert forecaster.is_fitted and forecaster.network_.config.enc_in == 1


def test_sktimes_checks_run_a_channel_independent_configuration():
    # tests/test_sktime_compliance.py runs check_estimator on every configuration
    (params,) = [p for p in InformerForecaster.get_test_params() if p.get("channel_independent")]
    forecaster = InformerForecaster(**params).fit(hourly(48, n_columns=2), fh=[1, 2])
    assert forecaster.network_.config.enc_in == 1
    assert list(forecaster.predict_interval().columns.get_level_values(0).unique()) == ["c0", "c1"]
