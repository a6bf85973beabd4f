"""InformerForecaster through the public API, as a user calls it."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sktime.forecasting.naive import NaiveForecaster
from sktime.performance_metrics.forecasting import mean_squared_error

from informer_sk import InformerForecaster
from tests.conftest import SMALL



def _hourly(n=24 * 20, n_columns=1, seed=0, noise=0.3):
    """Noisy daily-seasonal hourly series."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    index = pd.date_range("2021-03-01", periods=n, freq="h")
    data = {
        f"c{i}": 10 + (i + 1) * np.sin(2 * np.pi * (t + 3 * i) / 24) + rng.normal(0, noise, n)
        for i in range(n_columns)
    }
    return pd.DataFrame(data, index=index)


@pytest.mark.parametrize("attn", ["prob", "full"])
def test_beats_last_value_naive_on_a_noisy_daily_seasonal_series(attn):
    y = _hourly(24 * 40)["c0"]
    y_train, y_test = y.iloc[:-24], y.iloc[-24:]
    fh = np.arange(1, 25)
    params = {**SMALL, "seq_len": 48, "label_len": 24, "d_model": 32, "n_heads": 4,
              "d_ff": 64, "train_epochs": 4, "learning_rate": 1e-3, "attn": attn}  # fmt: skip
    ours = InformerForecaster(**params).fit(y_train, fh=fh).predict()
    naive = NaiveForecaster(strategy="last").fit(y_train, fh=fh).predict()
    assert mean_squared_error(y_test, ours) < mean_squared_error(y_test, naive)


def test_predict_returns_the_real_future_on_the_users_scale_and_columns():
    y = _hourly(n_columns=2) * 100 + 5000
    forecaster = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3])
    y_pred = forecaster.predict()
    expected = pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=3, freq="h")
    pd.testing.assert_index_equal(y_pred.index, expected, check_names=False)
    assert list(y_pred.columns) == ["c0", "c1"]
    # inverse scaling: forecasts live near the data, not near zero
    assert np.all(np.abs(y_pred.to_numpy() - 6000) < 1000)


def test_series_in_series_out():
    y = _hourly()["c0"].rename("load")
    y_pred = InformerForecaster(**SMALL).fit(y, fh=[1, 2]).predict()
    assert isinstance(y_pred, pd.Series) and y_pred.name == "load"


def test_fh_with_gaps_returns_just_those_steps():
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**SMALL).fit(y, fh=[6, 12, 24])
    assert forecaster.pred_len_ == 24
    y_pred = forecaster.predict()
    offsets = (y_pred.index - y.index[-1]) / pd.Timedelta("1h")
    np.testing.assert_array_equal(offsets, [6, 12, 24])


def test_exogenous_future_values_change_the_forecast():
    y = _hourly(n_columns=1)
    X = pd.DataFrame({"temp": np.random.default_rng(1).normal(size=len(y) + 6)},
                     index=pd.date_range(y.index[0], periods=len(y) + 6, freq="h"))  # fmt: skip
    X_train, X_future = X.iloc[: len(y)], X.iloc[len(y) :]
    forecaster = InformerForecaster(**SMALL).fit(y, X=X_train, fh=np.arange(1, 7))
    a = forecaster.predict(X=X_future)
    b = forecaster.predict(X=X_future + 5.0)
    assert a.shape == (6, 1) and np.isfinite(a.to_numpy()).all()
    assert not np.allclose(a.to_numpy(), b.to_numpy())
    with pytest.raises(ValueError, match="X"):
        forecaster.predict()


def test_multivariate_forecasts_every_column():
    y = _hourly(n_columns=3)
    y_pred = InformerForecaster(**SMALL).fit(y, fh=np.arange(1, 5)).predict()
    assert y_pred.shape == (4, 3) and list(y_pred.columns) == ["c0", "c1", "c2"]


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2020-01-01", periods=200, freq="15min"),
        pd.date_range("2020-01-01", periods=200, freq="D"),
        pd.bdate_range("2020-01-01", periods=200),
        pd.date_range("2000-01-01", periods=200, freq="W-SUN"),
        pd.date_range("2000-01-01", periods=200, freq="MS"),
        pd.period_range("2000-01", periods=200, freq="M"),
        pd.RangeIndex(200),
    ],
    ids=["15min", "D", "B", "W", "MS", "period-M", "range"],
)
def test_any_regular_frequency_forecasts_on_its_grid(index):
    y = pd.Series(np.sin(np.arange(200) / 5.0), index=index)
    y_pred = InformerForecaster(**SMALL, embed="fixed").fit(y, fh=[1, 2]).predict()
    assert np.isfinite(y_pred.to_numpy()).all()
    if isinstance(index, pd.RangeIndex):
        np.testing.assert_array_equal(y_pred.index, [200, 201])
    else:
        assert y_pred.index[0] == index[-1] + index.freq


def test_same_random_state_gives_bit_identical_forecasts_and_predict_is_repeatable():
    y = _hourly()["c0"]
    a = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3])
    b = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3])
    pd.testing.assert_series_equal(a.predict(), b.predict(), check_exact=True)
    pd.testing.assert_series_equal(a.predict(), a.predict(), check_exact=True)


def test_fit_and_predict_leave_the_callers_torch_rng_alone():
    y = _hourly()["c0"]
    state = torch.get_rng_state()
    InformerForecaster(**SMALL).fit(y, fh=[1]).predict()
    assert torch.equal(state, torch.get_rng_state())


def test_update_without_params_moves_the_cutoff_and_keeps_weights():
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:-10], fh=[1, 2])
    weights = {k: v.clone() for k, v in forecaster.network_.state_dict().items()}
    forecaster.update(y.iloc[-10:], update_params=False)
    assert forecaster.cutoff[0] == y.index[-1]
    y_pred = forecaster.predict()
    assert y_pred.index[0] == y.index[-1] + pd.Timedelta("1h")
    for k, v in forecaster.network_.state_dict().items():
        assert torch.equal(v, weights[k])
    # forecasting from the newest data equals a fit that saw all data as context
    refit = InformerForecaster(**SMALL).fit(y.iloc[:-10], fh=[1, 2])
    refit.update(y.iloc[-10:], update_params=False)
    pd.testing.assert_series_equal(refit.predict(), y_pred)


def test_update_with_params_fine_tunes_on_the_new_windows():
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:-30], fh=[1, 2])
    before = [p.clone() for p in forecaster.network_.parameters()]
    n_epochs = len(forecaster.history_)
    forecaster.update(y.iloc[-30:], update_params=True)
    assert len(forecaster.history_) == n_epochs + SMALL["train_epochs"]
    assert any(not torch.equal(a, b) for a, b in zip(before, forecaster.network_.parameters()))


def test_early_stopping_keeps_the_best_epoch_and_records_history():
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**{**SMALL, "validation_size": 0.2, "train_epochs": 3})
    forecaster.fit(y, fh=[1, 2])
    history = forecaster.get_fitted_params()["history"]
    assert len(history) >= 1 and all(h["val_loss"] is not None for h in history)
    best = min(history, key=lambda h: h["val_loss"])["epoch"]
    assert forecaster.best_epoch_ == best
    assert forecaster.n_parameters_ == sum(p.numel() for p in forecaster.network_.parameters())


def test_pickle_clone_and_deepcopy_round_trip():
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**SMALL).fit(y, fh=[1, 2])
    restored = pickle.loads(pickle.dumps(forecaster))
    pd.testing.assert_series_equal(restored.predict(), forecaster.predict(), check_exact=True)
    fresh = clone(forecaster)
    assert not fresh.is_fitted and fresh.get_params() == forecaster.get_params()


def test_fit_does_not_mutate_parameters():
    forecaster = InformerForecaster(**SMALL)
    params = forecaster.get_params()
    forecaster.fit(_hourly()["c0"], fh=[1])
    assert forecaster.get_params() == params


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_heads": 3}, "n_heads=3 must divide d_model=16"),
        ({"label_len": 30}, "label_len"),
        ({"seq_len": 0}, "seq_len"),
        ({"attn": "sparse"}, "attn"),
        ({"embed": "onehot"}, "embed"),
        ({"activation": "tanh"}, "activation"),
        ({"dropout": 1.0}, "dropout"),
        ({"validation_size": 1.5}, "validation_size"),
        ({"validation_size": 0.001}, "validation_size"),
    ],
)
def test_bad_hyperparameters_raise_in_fit_naming_the_parameter(params, match):
    forecaster = InformerForecaster(**{**SMALL, **params})  # __init__ never raises
    with pytest.raises(ValueError, match=match):
        forecaster.fit(_hourly()["c0"], fh=[1, 2])


def test_too_short_series_says_how_many_points_are_needed():
    y = _hourly(30)["c0"]
    with pytest.raises(ValueError, match=r"needs at least 34.*seq_len"):
        InformerForecaster(**SMALL).fit(y, fh=np.arange(1, 11))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"precision": "fp16"}, r"precision='fp16' is not one of \('fp32', 'tf32', 'bf16'\)"),
        ({"n_threads": 0}, "n_threads=0 must be None .* or a positive integer"),
        ({"n_threads": 1.5}, "n_threads=1.5 must be None"),
        ({"n_threads": True}, "n_threads=True must be None"),
    ],
)
def test_bad_precision_or_n_threads_raise_in_fit(params, match):
    with pytest.raises(ValueError, match=match):
        InformerForecaster(**{**SMALL, **params}).fit(_hourly()["c0"], fh=[1, 2])


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_bf16_forecasts_are_float_near_fp32_ones_and_reproducible():
    y = _hourly(n_columns=2)
    fp32 = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3]).predict()
    bf16 = InformerForecaster(**SMALL, precision="bf16").fit(y, fh=[1, 2, 3])
    y_pred = bf16.predict()
    assert (y_pred.dtypes == np.float64).all()
    # bf16 keeps 8 bits of mantissa: the forecasts move, but by far less than the data's spread
    assert not np.array_equal(y_pred.to_numpy(), fp32.to_numpy())
    np.testing.assert_allclose(y_pred.to_numpy(), fp32.to_numpy(), atol=0.1 * y.std().min())
    again = InformerForecaster(**SMALL, precision="bf16").fit(y, fh=[1, 2, 3]).predict()
    pd.testing.assert_frame_equal(again, y_pred, check_exact=True)
    # the network and what pickles hold stay float32
    assert all(p.dtype == torch.float32 for p in bf16.network_.parameters())


def test_n_threads_holds_during_fit_update_and_predict_and_is_restored(monkeypatch):
    import informer_sk.forecaster as module

    seen = []
    train = module.train_network

    def recording_train_network(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return train(*args, **kwargs)

    monkeypatch.setattr(module, "train_network", recording_train_network)
    caller = torch.get_num_threads()
    wanted = caller + 1
    y = _hourly()["c0"]
    forecaster = InformerForecaster(**SMALL, n_threads=wanted).fit(y.iloc[:-5], fh=[1, 2])
    assert seen == [wanted] and torch.get_num_threads() == caller
    forecaster.update(y.iloc[-5:])
    assert seen == [wanted, wanted] and torch.get_num_threads() == caller
    monkeypatch.setattr(module, "seeded", _recording_seeded(seen, module.seeded))
    forecaster.predict()
    assert seen[-1] == wanted and torch.get_num_threads() == caller


def _recording_seeded(seen, seeded):
    def recording(seed, device):
        seen.append(torch.get_num_threads())
        return seeded(seed, device)

    return recording


def test_n_threads_is_restored_when_fit_fails(monkeypatch):
    import informer_sk.forecaster as module

    def failing_train_network(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(module, "train_network", failing_train_network)
    caller = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="out of memory"):
        InformerForecaster(**SMALL, n_threads=caller + 1).fit(_hourly()["c0"], fh=[1])
    assert torch.get_num_threads() == caller


def test_revin_follows_a_level_shift_that_training_never_saw():
    # trained around 10, asked to forecast around 40: instance normalisation reads the
    # window at its own level, the plain network extrapolates from training levels
    y = _hourly(24 * 30, noise=0.1)["c0"]
    shifted = y.iloc[-48:] + 30.0
    scores = {}
    for revin in (False, True):
        params = {**SMALL, "train_epochs": 3, "learning_rate": 1e-3, "revin": revin}
        forecaster = InformerForecaster(**params).fit(y.iloc[:-48], fh=np.arange(1, 13))
        assert forecaster.network_.config.revin is revin
        forecaster.update(shifted.iloc[:-12].set_axis(y.index[-48:-12]), update_params=False)
        truth = shifted.iloc[-12:].set_axis(y.index[-12:])
        scores[revin] = mean_squared_error(truth, forecaster.predict())
    assert scores[True] < 1.0 < scores[False]


def test_revin_must_be_a_boolean():
    with pytest.raises(ValueError, match=r"revin='yes' must be True or False"):
        InformerForecaster(**{**SMALL, "revin": "yes"}).fit(_hourly()["c0"], fh=[1])


def test_highway_trains_a_linear_map_beside_the_network():
    y = _hourly()["c0"]
    plain = InformerForecaster(**{**SMALL, "train_epochs": 1}).fit(y, fh=[1, 2])
    assert plain.network_.highway is None and plain.network_.config.highway is False
    forecaster = InformerForecaster(**{**SMALL, "train_epochs": 1, "highway": True}).fit(y, fh=[1, 2])
    highway = forecaster.network_.highway
    assert forecaster.network_.config.highway is True
    assert highway.weight.shape == (2, SMALL["seq_len"]) and highway.weight.abs().sum() > 0  # trained from zero
    assert np.isfinite(forecaster.predict().to_numpy()).all()
    with pytest.raises(ValueError, match=r"highway=1 must be True, False or 'least_squares'"):
        InformerForecaster(**{**SMALL, "highway": 1}).fit(y, fh=[1])


def test_highway_least_squares_starts_from_the_fitted_linear_map():
    # no training steps at a zero learning rate: the forecast is the least-squares map's
    y = _hourly(noise=0.0)["c0"]
    still = {**SMALL, "train_epochs": 1, "learning_rate": 1e-12, "revin": True}
    fitted = InformerForecaster(**still, highway="least_squares").fit(y, fh=range(1, 13))
    zero = InformerForecaster(**still, highway=True).fit(y, fh=range(1, 13))
    truth = 10 + np.sin(2 * np.pi * np.arange(len(y), len(y) + 12) / 24)
    assert np.abs(fitted.predict().to_numpy() - truth).max() < 0.05
    assert np.abs(zero.predict().to_numpy() - truth).max() > 0.5  # each window's mean
    assert fitted.network_.config.highway is True


def test_highway_least_squares_keeps_its_start_unless_an_epoch_beats_it_on_validation():
    # a learning rate far too high: every epoch's validation loss is worse than the map's
    y = _hourly(noise=0.0)["c0"]
    params = {**SMALL, "train_epochs": 2, "learning_rate": 0.5, "revin": True, "validation_size": 0.2}
    fitted = InformerForecaster(**params, highway="least_squares").fit(y, fh=range(1, 13))
    assert fitted.best_epoch_ == 0 and len(fitted.history_) == 2
    truth = 10 + np.sin(2 * np.pi * np.arange(len(y), len(y) + 12) / 24)
    assert np.abs(fitted.predict().to_numpy() - truth).max() < 0.05
    zero = InformerForecaster(**params, highway=True).fit(y, fh=range(1, 13))
    assert zero.best_epoch_ >= 1  # a zero start is not validated


def test_residual_sp_starts_from_seasonal_naive_and_trains_from_there():
    # one short epoch on a clean daily cycle: the direct network is still far off, the
    # residual one is as good as the seasonal naive forecast it starts from, or better
    y = _hourly(24 * 20, noise=0.05)["c0"]
    y_train, y_test = y.iloc[:-24], y.iloc[-24:]
    fh = np.arange(1, 25)
    seasonal = NaiveForecaster(strategy="last", sp=24).fit(y_train, fh=fh).predict()
    scores = {}
    for sp in (None, 24):
        params = {**SMALL, "train_epochs": 1, "learning_rate": 1e-4, "residual_sp": sp}
        forecaster = InformerForecaster(**params).fit(y_train, fh=fh)
        assert forecaster.network_.config.residual_sp == (sp or 0)
        scores[sp] = mean_squared_error(y_test, forecaster.predict())
    assert scores[24] < 2 * mean_squared_error(y_test, seasonal) < scores[None]


def _seasons(offsets, trend=0.0, sp=6):
    """Hourly series: a cycle of ``sp`` steps, each season shifted by its offset, plus a trend."""
    t = np.arange(len(offsets) * sp)
    values = np.sin(2 * np.pi * t / sp) + np.repeat(offsets, sp) + trend * t
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=len(t), freq="h"))


@pytest.mark.parametrize("trend, expected", [(0.0, 4), (0.2, 1)])
def test_residual_periods_auto_picks_the_baseline_best_on_validation(trend, expected):
    # independent season offsets: the mean of all 4 input seasons is the best baseline;
    # a steep trend: the last season alone is
    offsets = np.random.default_rng(0).normal(0, 1, 60) if trend == 0.0 else np.zeros(60)
    y = _seasons(offsets, trend)
    params = {**SMALL, "train_epochs": 1, "residual_sp": 6, "residual_periods": "auto", "validation_size": 0.3}
    forecaster = InformerForecaster(**params).fit(y, fh=np.arange(1, 7))
    assert forecaster.residual_periods_ == expected
    assert forecaster.network_.config.residual_periods == expected
    assert forecaster.get_params()["residual_periods"] == "auto"


def test_residual_periods_fixed_and_without_residual_sp():
    y = _seasons(np.zeros(30))
    fitted = InformerForecaster(**{**SMALL, "train_epochs": 1, "residual_sp": 6, "residual_periods": 3}).fit(y, fh=[1])
    assert fitted.residual_periods_ == 3
    assert InformerForecaster(**{**SMALL, "train_epochs": 1}).fit(y, fh=[1]).residual_periods_ == 0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"residual_sp": 6, "residual_periods": 5}, r"residual_periods=5 must be 'auto' or an integer in \[1, seq_len // residual_sp = 4\]"),
        ({"residual_sp": 6, "residual_periods": 0}, r"residual_periods=0 must be"),
        ({"residual_sp": 6, "residual_periods": "all"}, r"residual_periods='all' must be"),
        ({"residual_periods": 2}, r"residual_periods=2 needs a seasonal baseline: set residual_sp"),
    ],
)  # fmt: skip
def test_residual_periods_must_fit_the_input_window(params, match):
    with pytest.raises(ValueError, match=match):
        InformerForecaster(**{**SMALL, "train_epochs": 1, **params}).fit(_hourly()["c0"], fh=[1])


@pytest.mark.parametrize("bad", [0, 25, 2.5, True, "24"])
def test_residual_sp_must_be_an_integer_within_seq_len(bad):
    with pytest.raises(ValueError, match=r"residual_sp=.* must be None or an integer in \[1, seq_len=24\]"):
        InformerForecaster(**{**SMALL, "residual_sp": bad}).fit(_hourly()["c0"], fh=[1])


def test_set_params_with_a_misspelled_name_keeps_the_fitted_and_pretrained_state():
    from tests.conftest import panel

    data = panel(a=_hourly(200), b=_hourly(200, seed=1))
    forecaster = InformerForecaster(**{**SMALL, "seq_len": 8, "label_len": 4}).pretrain(data, fh=[1, 2])
    forecaster.fit(_hourly(100), fh=[1, 2])
    network, pretrained = forecaster.network_, forecaster.pretrained_network_
    with pytest.raises(ValueError, match=r"'learning_rte' \(did you mean 'learning_rate'\?\)"):
        forecaster.set_params(learning_rte=0.1)
    assert forecaster.is_fitted and forecaster.network_ is network
    assert forecaster.pretrained_network_ is pretrained


def test_update_with_fewer_new_points_than_the_horizon_still_fine_tunes():
    y = _hourly(200)
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:150], fh=np.arange(1, 13))
    before = [p.detach().clone() for p in forecaster.network_.parameters()]
    forecaster.update(y.iloc[150:153], update_params=True)  # 3 new points, horizon 12
    assert len(forecaster.history_) == 2 * SMALL["train_epochs"]
    assert any(not torch.equal(a, b) for a, b in zip(before, forecaster.network_.parameters()))


def test_update_with_rows_already_seen_trains_only_on_the_new_ones():
    y = _hourly(200)
    forecaster = InformerForecaster(**SMALL).fit(y.iloc[:150], fh=[1, 2])
    with pytest.warns(UserWarning, match="no point after the fitted ones"):
        forecaster.update(y.iloc[100:150], update_params=True)  # all seen before
    assert len(forecaster.history_) == SMALL["train_epochs"]
    forecaster.update(y.iloc[140:152], update_params=True)  # 2 new, 10 seen
    assert forecaster.cutoff[0] == y.index[151]
    assert len(forecaster.history_) == 2 * SMALL["train_epochs"]


def test_history_records_each_epochs_seconds():
    forecaster = InformerForecaster(**SMALL).fit(_hourly(200), fh=[1, 2])
    assert all(record["seconds"] > 0 for record in forecaster.history_)
