"""InformerEnsemble: weights fitted on the validation windows, forecasts their weighted mean."""

import copy

import numpy as np
import pandas as pd
import pytest

from informer_sk import InformerEnsemble, InformerForecaster
from informer_sk import ensemble as ensemble_module
from informer_sk.ensemble import seasonal_period, simplex_weights, validated_recipe
from tests.conftest import SMALL, hourly, panel

FH = list(range(1, 7))
# SMALL without its validation_size, so that the ensemble's applies
TINY = {**{k: v for k, v in SMALL.items() if k != "validation_size"}, "train_epochs": 1}


def _two(loss="mse", **ensemble_params):
    """An ensemble of two tiny candidates that forecast differently."""
    return InformerEnsemble(
        [
            ("plain", InformerForecaster(**TINY, loss=loss)),
            ("seasonal", InformerForecaster(**TINY, loss=loss, revin=True, residual_sp=24)),
        ],
        **ensemble_params,
    )


@pytest.fixture(scope="module")
def fitted():
    """Two tiny candidates fitted on 12 days of hourly data, and the 8 days after."""
    y = hourly(24 * 20)
    return _two().fit(y.iloc[: 24 * 12], fh=FH), y


def test_weights_are_on_the_simplex_and_name_the_candidates(fitted):
    ensemble, _ = fitted
    weights = ensemble.weights_
    assert list(weights.index) == ["plain", "seasonal"]
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0)
    assert [name for name, _ in ensemble.forecasters_] == ["plain", "seasonal"]
    # every candidate stopped early on the ensemble's validation tail
    assert all(f.validation_size == 0.2 and f.is_fitted for _, f in ensemble.forecasters_)


def test_the_candidate_that_is_the_truth_gets_all_the_weight():
    # a noiseless daily cycle: an untrained residual network is seasonal naive, exact here;
    # the untrained plain network forecasts noise
    y = hourly(24 * 12, noise=0.0)
    untrained = {**TINY, "learning_rate": 1e-12}
    ensemble = InformerEnsemble(
        [
            ("plain", InformerForecaster(**untrained)),
            ("seasonal", InformerForecaster(**untrained, residual_sp=24)),
        ]
    ).fit(y, fh=FH)
    assert ensemble.weights_["seasonal"] > 0.999
    # and with the names swapped the weight follows the candidate, not the position
    swapped = InformerEnsemble(
        [("seasonal", InformerForecaster(**untrained, residual_sp=24)),
         ("plain", InformerForecaster(**untrained))]
    ).fit(y, fh=FH)
    assert swapped.weights_["seasonal"] > 0.999


def test_simplex_weights_recover_a_mix_and_stay_on_the_simplex():
    rng = np.random.default_rng(0)
    members = [rng.standard_normal((40, 3)) for _ in range(3)]
    truth = 0.6 * members[0] + 0.4 * members[2]
    np.testing.assert_allclose(simplex_weights(members, truth), [0.6, 0, 0.4], atol=1e-4)
    weights = simplex_weights(members, -members[1])  # best without constraints: negative
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0)


def test_predict_is_the_weighted_mean_of_the_candidates(fitted):
    ensemble, _ = fitted
    (_, a), (_, b) = ensemble.forecasters_
    w = ensemble.weights_
    assert not np.allclose(a.predict(), b.predict())
    pred = ensemble.predict()
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["c0"]
    pd.testing.assert_frame_equal(pred, w["plain"] * a.predict() + w["seasonal"] * b.predict())


def test_a_series_in_gives_a_series_out():
    y = hourly(24 * 10)["c0"]
    pred = _two().fit(y, fh=FH).predict()
    assert isinstance(pred, pd.Series) and pred.name == "c0" and len(pred) == len(FH)


def test_predict_windows_equals_predict_at_every_origin(fitted):
    ensemble, y = fitted
    n_fit = 24 * 12
    pred = ensemble.predict_windows(y, start=y.index[n_fit - 1], step=50)
    cutoffs = pred.index.get_level_values("cutoff").unique()
    assert list(cutoffs) == list(y.index[n_fit - 1 : len(y) - len(FH) : 50])
    for cutoff in cutoffs:
        moved = copy.deepcopy(ensemble)
        position = y.index.get_loc(cutoff)
        if position >= n_fit:
            moved.update(y.iloc[n_fit : position + 1], update_params=False)
        expected = moved.predict().to_numpy()
        np.testing.assert_allclose(pred.loc[cutoff].to_numpy(), expected, rtol=1e-5, atol=1e-6)


def test_predict_windows_keeps_the_origins_every_candidate_can_take():
    y = hourly(24 * 12)
    ensemble = InformerEnsemble(
        [("short", InformerForecaster(**TINY)), ("long", InformerForecaster(**{**TINY, "seq_len": 48}))]
    ).fit(y, fh=FH)
    pred = ensemble.predict_windows(y)
    assert pred.index.get_level_values("cutoff").min() == y.index[47]
    long_only = ensemble.forecasters_[1][1].predict_windows(y)
    w = ensemble.weights_
    short_only = ensemble.forecasters_[0][1].predict_windows(y).loc[long_only.index]
    pd.testing.assert_frame_equal(pred, w["short"] * short_only + w["long"] * long_only)


def test_update_passes_through_and_keeps_the_weights(fitted):
    ensemble, y = fitted
    ensemble = copy.deepcopy(ensemble)
    weights = ensemble.weights_.copy()
    epochs = [len(f.history_) for _, f in ensemble.forecasters_]
    new = y.iloc[24 * 12 : 24 * 13]
    ensemble.update(new, update_params=False)
    assert ensemble.cutoff[0] == new.index[-1]
    assert all(f.cutoff[0] == new.index[-1] for _, f in ensemble.forecasters_)
    assert [len(f.history_) for _, f in ensemble.forecasters_] == epochs
    (_, a), (_, b) = ensemble.forecasters_
    expected = weights["plain"] * a.predict() + weights["seasonal"] * b.predict()
    pd.testing.assert_frame_equal(ensemble.predict(), expected)
    ensemble.update(y.iloc[24 * 13 : 24 * 14], update_params=True)
    assert [len(f.history_) for _, f in ensemble.forecasters_] > epochs  # fine-tuned
    pd.testing.assert_series_equal(ensemble.weights_, weights)


def test_validation_size_zero_gives_equal_weights_and_a_candidates_own_is_kept():
    y = hourly(24 * 10)
    ensemble = InformerEnsemble(
        [("a", InformerForecaster(**TINY, validation_size=0.3)),
         ("b", InformerForecaster(**TINY, revin=True))],
        validation_size=0,
    ).fit(y, fh=FH)
    assert ensemble.weights_.tolist() == [0.5, 0.5]
    assert [f.validation_size for _, f in ensemble.forecasters_] == [0.3, 0]


def test_a_panel_is_fitted_and_forecast_per_series():
    data = panel(a=hourly(24 * 10), b=hourly(24 * 9, seed=1, level=50))
    ensemble = _two().fit(data, fh=FH)
    pred = ensemble.predict()
    assert pred.index.get_level_values(0).unique().tolist() == ["a", "b"]
    assert ensemble.weights_.sum() == pytest.approx(1.0)
    assert pred.loc["b"].mean().item() > pred.loc["a"].mean().item() + 20  # each on its own level


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_quantiles_are_the_weighted_mean_of_the_candidates(loss):
    y = hourly(24 * 12)
    ensemble = _two(loss=loss).fit(y.iloc[: 24 * 10], fh=FH)
    assert ensemble.get_tag("capability:pred_int")
    (_, a), (_, b) = ensemble.forecasters_
    w = ensemble.weights_
    alpha = [0.1, 0.5, 0.9]
    quantiles = ensemble.predict_quantiles(alpha=alpha)
    expected = (w["plain"] * a.predict_quantiles(alpha=alpha)
                + w["seasonal"] * b.predict_quantiles(alpha=alpha))
    np.testing.assert_allclose(quantiles.to_numpy(), expected.to_numpy())
    assert list(quantiles.columns) == [("c0", 0.1), ("c0", 0.5), ("c0", 0.9)]
    interval = ensemble.predict_interval(coverage=0.8)
    np.testing.assert_allclose(interval.to_numpy(), quantiles.iloc[:, [0, 2]].to_numpy())
    sigma = w["plain"] * np.sqrt(a.predict_var()) + w["seasonal"] * np.sqrt(b.predict_var())
    np.testing.assert_allclose(ensemble.predict_var().to_numpy(), (sigma**2).to_numpy())
    windows = ensemble.predict_windows(y, start=y.index[24 * 10 - 1], step=1000, alpha=alpha)
    np.testing.assert_allclose(windows.to_numpy(), quantiles.to_numpy(), rtol=1e-5, atol=1e-6)


def test_point_candidates_refuse_intervals(fitted):
    ensemble, y = fitted
    assert not ensemble.get_tag("capability:pred_int")
    with pytest.raises(NotImplementedError):
        ensemble.predict_interval()
    with pytest.raises(ValueError, match=r"\['plain', 'seasonal'\] forecast points"):
        ensemble.predict_windows(y, alpha=[0.1])
    mixed = InformerEnsemble([("a", InformerForecaster(loss="quantile")), ("b", InformerForecaster())])
    assert not mixed.get_tag("capability:pred_int")
    assert InformerEnsemble(loss="normal").get_tag("capability:pred_int")


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(forecasters=[]), r"forecasters=\[\] holds no candidate"),
        (dict(forecasters=[("naive", "NaiveForecaster()")]), r"forecasters\[0\] \('naive'\) is a str"),
        (dict(forecasters=[InformerForecaster()]),
         r"forecasters\[0\] is InformerForecaster\(\), not a \(name"),
        (dict(forecasters=[("a", InformerForecaster()), ("a", InformerForecaster(revin=True))]),
         r"names \['a'\] more than once"),
        (dict(forecasters=[("sp", InformerForecaster())]), r"named 'sp'"),
        (dict(validation_size=1.0), r"validation_size=1.0 must be a number in \[0, 1\)"),
        (dict(sp=0), r"sp=0 must be a positive integer"),
        (dict(loss="pinball"), r"loss='pinball' must be one of"),
        (dict(forecasters=[("a", InformerForecaster(validation_size=0.3))], validation_size=0.01),
         r"validation_size=0.01 keeps fewer than max\(fh\)=6 points .* at least 0.03"),
    ],
)  # fmt: skip
def test_bad_parameters_raise_before_any_candidate_is_fitted(params, message, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("a candidate was fitted")

    ensemble = InformerEnsemble(**params)
    monkeypatch.setattr(InformerForecaster, "fit", no_fit)
    with pytest.raises(ValueError, match=message):
        ensemble.fit(hourly(24 * 10), fh=FH)
    assert not ensemble.is_fitted


def test_a_non_informer_candidate_is_named_with_the_fix():
    from sktime.forecasting.naive import NaiveForecaster

    with pytest.raises(ValueError, match="is a NaiveForecaster.*EnsembleForecaster"):
        InformerEnsemble([("naive", NaiveForecaster())]).fit(hourly(24 * 10), fh=FH)


def test_a_failed_refit_keeps_the_fitted_state(fitted):
    ensemble, y = fitted
    ensemble = copy.deepcopy(ensemble)
    before = ensemble.predict()
    with pytest.raises(ValueError, match="seq_len"):
        ensemble.fit(y.iloc[:30], fh=FH)  # too short for a candidate
    pd.testing.assert_frame_equal(ensemble.predict(), before)


def test_nested_parameters_reach_the_candidates():
    ensemble = _two()
    assert ensemble.get_params()["seasonal__residual_sp"] == 24
    ensemble.set_params(seasonal__residual_sp=12)
    assert ensemble.forecasters[1][1].residual_sp == 12


def test_the_recipe_infers_the_season_and_fits_two_candidates():
    y = hourly(24 * 14)
    ensemble = InformerEnsemble(random_state=0).fit(y, fh=range(1, 25))
    (name_a, a), (name_b, b) = ensemble.forecasters_
    assert (name_a, name_b) == ("revin", "seasonal_residual")
    assert a.revin and a.residual_sp is None and a.learning_rate == 1e-3 and a.d_model == 64
    assert b.revin and b.residual_sp == 24 and b.residual_periods == "auto" and b.learning_rate == 1e-4
    assert b.residual_periods_ >= 1 and ensemble.weights_.sum() == pytest.approx(1.0)
    assert ensemble.predict().shape == (24, 1)


def test_the_recipe_without_a_season_drops_the_residual_with_a_warning(monkeypatch):
    monkeypatch.setattr(ensemble_module, "RECIPE_SIZE", dict(d_model=16, n_heads=2, d_ff=32, train_epochs=1))
    y = hourly(24 * 10).reset_index(drop=True)  # an integer index: no frequency to read a season from
    message = "integer index, so the recipe's second candidate forecasts without a seasonal residual"
    with pytest.warns(UserWarning, match=message):
        ensemble = InformerEnsemble(random_state=0).fit(y, fh=FH)
    assert [f.residual_sp for _, f in ensemble.forecasters_] == [None, None]
    assert ensemble.forecasters_[1][1].learning_rate == 1e-4


def test_the_recipe_takes_sp_and_covers_a_long_season():
    assert validated_recipe(7)[1][1].residual_sp == 7
    assert validated_recipe(288)[1][1].seq_len == 288  # 5-minute data: one day of input
    assert validated_recipe(24)[0][1].seq_len == validated_recipe(24)[1][1].seq_len == 96
    assert [f.loss for _, f in validated_recipe(24, loss="quantile")] == ["quantile", "quantile"]


def test_the_recipe_with_highway_fits_four_candidates_and_weighs_them(monkeypatch):
    monkeypatch.setattr(ensemble_module, "RECIPE_SIZE", dict(d_model=16, n_heads=2, d_ff=32, train_epochs=1))
    y = hourly(24 * 14)
    ensemble = InformerEnsemble(validated_recipe(24, random_state=0, highway=True, seq_len=48)).fit(y, fh=FH)
    assert ensemble.weights_.index.tolist() == ["revin", "seasonal_residual", "highway", "highway_fast"]
    assert ensemble.weights_.sum() == pytest.approx(1.0) and (ensemble.weights_ >= 0).all()
    fitted = dict(ensemble.forecasters_)
    assert fitted["highway"].network_.highway is not None and fitted["revin"].network_.highway is None
    assert np.isfinite(ensemble.predict().to_numpy()).all()


def test_the_recipe_with_highway_adds_two_candidates_at_one_input_length():
    highway = dict(validated_recipe(24, highway=True, seq_len=336))
    assert list(highway) == ["revin", "seasonal_residual", "highway", "highway_fast"]
    assert {f.seq_len for f in highway.values()} == {336} and all(f.revin for f in highway.values())
    assert [f.highway for f in highway.values()] == [False, False, True, True]
    assert highway["highway"].learning_rate == 1e-3 and highway["highway_fast"].learning_rate == 3e-3
    least_squares = dict(validated_recipe(24, highway="least_squares"))
    assert [f.highway for f in least_squares.values()] == [False, False, "least_squares", "least_squares"]


@pytest.mark.parametrize(
    "freq, sp", [("h", 24), ("15min", 96), ("30min", 48), ("D", 7), ("B", 5), ("W-SUN", 52), ("MS", 12),
                 ("QE", 4), ("YS", None), ("7h", None), ("2D", None)]
)  # fmt: skip
def test_seasonal_period_of_common_frequencies(freq, sp):
    assert seasonal_period(freq) == sp


def test_the_weights_and_forecasts_are_the_accuracy_benchmarks_weighted_rule():
    from informer_sk.benchmarks import models

    raw = hourly(24 * 15, n_columns=2)
    n_fit, n_val, seq_len, pred_len = 300, 72, 24, 6
    # the benchmark's data: standardised with the training rows' statistics
    train = raw.iloc[: n_fit - n_val]
    frame = (raw - train.mean()) / train.std(ddof=0)
    neural = {**TINY, "attn": "prob", "scale": False}
    candidates = (
        {"revin": True},
        {"revin": True, "residual_sp": 24, "residual_periods": "auto", "learning_rate": 1e-4},
    )
    starts = np.arange(n_fit - seq_len, len(frame) - seq_len - pred_len + 1)
    setting = models.Setting(frame, 0, n_fit, n_val, starts, seq_len, TINY["label_len"], pred_len, 24, 1,
                             neural, candidates, "weighted")  # fmt: skip
    benchmark = models.MODELS["informer-prob"][0](setting, seed=0)
    ensemble = InformerEnsemble(
        [(f"c{i}", InformerForecaster(**{**neural, **c})) for i, c in enumerate(candidates)],
        validation_size=n_val / n_fit,
    ).fit(frame.iloc[:n_fit], fh=range(1, pred_len + 1))
    np.testing.assert_allclose(ensemble.weights_.to_numpy(), benchmark.weights, atol=1e-4)
    pred = ensemble.predict_windows(frame, start=frame.index[n_fit - 1])
    np.testing.assert_allclose(pred.to_numpy().reshape(benchmark.values.shape), benchmark.values, atol=1e-4)
