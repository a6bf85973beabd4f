"""One global network over a panel or hierarchy of series, and pretraining."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.datatypes import check_is_mtype
from sktime.forecasting.model_evaluation import evaluate
from sktime.split import ExpandingWindowSplitter
from sktime.utils._testing.hierarchical import _make_hierarchical

import informer_sk.forecaster
from informer_sk import InformerForecaster
from tests.conftest import SMALL as _SMALL

SMALL = {**_SMALL, "seq_len": 8, "label_len": 4}


def _series(n, start, seed=0, level=10.0, freq="h"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = level * (1 + 0.1 * np.sin(2 * np.pi * t / 24)) + rng.normal(0, 0.01 * abs(level), n)
    return pd.DataFrame({"v": values}, index=pd.date_range(start, periods=n, freq=freq))


def _panel(**series):
    return pd.concat(series, names=["id", "time"])


def _three():
    # different lengths, start (and end) dates and levels
    return _panel(
        a=_series(60, "2021-01-01", 0, level=10.0),
        b=_series(40, "2021-01-03", 1, level=1000.0),
        c=_series(80, "2020-12-20", 2, level=-50.0),
    )


@pytest.fixture
def n_training_windows(monkeypatch):
    """Count the training windows of every train_network call."""
    counts = []
    original = informer_sk.forecaster.train_network

    def counting(network, train_windows, val_windows=None, **settings):
        counts.append(len(train_windows))
        return original(network, train_windows, val_windows, **settings)

    monkeypatch.setattr(informer_sk.forecaster, "train_network", counting)
    return counts


def test_one_network_fits_every_series_and_forecasts_the_panel(n_training_windows):
    y = _three()
    forecaster = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3])
    assert not forecaster._is_vectorized and isinstance(forecaster.network_, torch.nn.Module)
    # one training run, on the windows of all three series: n - seq_len - pred_len + 1 each
    assert n_training_windows == [sum(n - 8 - 3 + 1 for n in (60, 40, 80))]
    y_pred = forecaster.predict()
    assert check_is_mtype(y_pred, "pd-multiindex")
    assert list(y_pred.index.names) == ["id", "time"]
    assert list(y_pred.index.get_level_values("id").unique()) == ["a", "b", "c"]
    for key in ("a", "b", "c"):
        # every series forecast after its own last point
        last = y.loc[key].index[-1]
        expected = pd.date_range(last, periods=4, freq="h")[1:]
        np.testing.assert_array_equal(y_pred.loc[key].index, expected)


def test_every_series_is_scaled_with_its_own_training_statistics():
    y = _three()
    forecaster = InformerForecaster(**{**SMALL, "validation_size": 0.25}).fit(y, fh=[1, 2])
    for key in ("a", "b", "c"):
        part = y.loc[key]["v"]
        n_train = len(part) - round(0.25 * len(part))
        assert forecaster.y_scaler_[key].mean_[0] == pytest.approx(part.iloc[:n_train].mean())
    y_pred = forecaster.predict()
    # forecasts return on each series' own scale
    for key, level in (("a", 10.0), ("b", 1000.0), ("c", -50.0)):
        assert np.abs(y_pred.loc[key]["v"] - level).max() < 0.5 * abs(level)


def test_a_hierarchy_comes_back_with_its_index_levels():
    y = _make_hierarchical(hierarchy_levels=(2, 2), min_timepoints=20, max_timepoints=30)
    forecaster = InformerForecaster(**SMALL, series_embedding=True).fit(y, fh=[1, 2])
    y_pred = forecaster.predict()
    assert check_is_mtype(y_pred, "pd_multiindex_hier")
    assert list(y_pred.index.names) == list(y.index.names)
    assert y_pred.index.droplevel(-1).unique().equals(y.index.droplevel(-1).unique())
    assert forecaster.network_.config.n_series == 4


def test_panel_with_exogenous_data_forecasts_with_future_X():
    y = _three()
    X = y.rename(columns={"v": "x"}) * 0.5
    future = _panel(**{
        k: pd.DataFrame({"x": 1.0}, index=pd.date_range(y.loc[k].index[-1], periods=3,
                                                        freq="h")[1:])
        for k in "abc"
    })  # fmt: skip
    forecaster = InformerForecaster(**SMALL).fit(y, X=X, fh=[1, 2])
    y_pred = forecaster.predict(X=future)
    assert y_pred.shape == (6, 1) and np.isfinite(y_pred.to_numpy()).all()
    with pytest.raises(ValueError, match="lacks series 'c'"):
        forecaster.predict(X=future.drop("c", level="id"))


def test_update_moves_the_context_of_every_series_it_holds():
    y = _three()
    forecaster = InformerForecaster(**SMALL).fit(y, fh=[1])
    before = forecaster.predict()
    new = _panel(a=_series(62, "2021-01-01", 0).iloc[-2:], b=_series(41, "2021-01-03", 1,
                                                                     level=1000.0).iloc[-1:])
    network = forecaster.network_
    forecaster.update(new, update_params=False)
    after = forecaster.predict()
    assert forecaster.network_ is network
    assert after.loc["a"].index[0] == before.loc["a"].index[0] + pd.Timedelta("2h")
    assert after.loc["b"].index[0] == before.loc["b"].index[0] + pd.Timedelta("1h")
    assert after.loc["c"].index.equals(before.loc["c"].index)
    forecaster.update(_panel(a=_series(70, "2021-01-01", 0).iloc[-8:]), update_params=True)
    assert forecaster.network_ is not network  # fine-tuned on the new windows of a
    with pytest.raises(ValueError, match="holds series 'z', which the forecaster was not"):
        forecaster.update(_panel(z=_series(3, "2021-01-01")))


def test_a_series_too_short_to_train_on_is_skipped_with_a_warning(n_training_windows):
    y = _panel(a=_series(40, "2021-01-01"), short=_series(9, "2021-01-01"))
    with pytest.warns(UserWarning, match=r"1 of the 2 series .* \['short'\]"):
        forecaster = InformerForecaster(**SMALL).fit(y, fh=[1, 2, 3])
    assert n_training_windows == [40 - 8 - 3 + 1]
    assert len(forecaster.predict().loc["short"]) == 3  # forecast nonetheless


@pytest.mark.parametrize(
    "y, match",
    [
        (_panel(a=_series(40, "2021-01-01"), tiny=_series(5, "2021-01-01")),
         r"y series 'tiny' has 5 time points, but every series needs at least seq_len=8"),
        (_panel(a=_series(10, "2021-01-01"), b=_series(9, "2021-01-01")),
         r"None of the 2 series of y gives a training window"),
        (_panel(a=_series(40, "2021-01-01"), b=_series(40, "2021-01-01", freq="D")),
         r"different frequencies: series 'a' has h, series 'b' has D"),
        (_panel(a=_series(40, "2021-01-01"), b=_series(40, "2021-01-01").drop(
            pd.Timestamp("2021-01-01 05:00"))), r"y series 'b' has an irregular time index"),
    ],
    ids=["shorter than seq_len", "no training window", "mixed frequencies", "gap"],
)
def test_bad_panels_raise_clear_errors_and_change_nothing(y, match):
    forecaster = InformerForecaster(**SMALL)
    with pytest.raises(ValueError, match=match):
        forecaster.fit(y, fh=[1, 2, 3])
    assert not forecaster.is_fitted


# ----- pretraining -----------------------------------------------------------------


_PRETRAINED = {}


def _pretrained(fine_tune_epochs):
    """A forecaster pretrained on the panel, pretraining once per setting.

    sktime's ``clone`` keeps the pretrained network, and so does ``set_params`` of
    fine-tuning parameters; each setting is pretrained once, for test isolation.
    """
    if fine_tune_epochs not in _PRETRAINED:
        forecaster = InformerForecaster(**SMALL, fine_tune_epochs=fine_tune_epochs)
        _PRETRAINED[fine_tune_epochs] = forecaster.pretrain(_three(), fh=[1, 2, 3, 4])
    return _PRETRAINED[fine_tune_epochs].clone()


@pytest.fixture
def pretrained():
    return _pretrained(0)


def _weights(network):
    return {k: v.clone() for k, v in network.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_zero_shot_fit_takes_the_series_as_context_only(pretrained):
    forecaster = _pretrained(0)
    new = _series(12, "2022-06-01", seed=7, level=300.0)["v"]  # never seen, short
    forecaster.fit(new, fh=[1, 2])
    assert _same(_weights(forecaster.network_), _weights(pretrained.pretrained_network_))
    assert forecaster.pred_len_ == 4 and forecaster.history_ == []
    # the new series' own scaling statistics, of all its points
    assert forecaster.y_scaler_.mean_[0] == pytest.approx(new.mean())
    y_pred = forecaster.predict()
    assert isinstance(y_pred, pd.Series) and len(y_pred) == 2
    assert np.abs(y_pred - 300.0).max() < 150.0


def test_fine_tuning_changes_a_copy_and_a_refit_starts_again_from_the_pretrained_weights():
    forecaster = _pretrained(2)
    pretrained_weights = _weights(forecaster.pretrained_network_)
    forecaster.fit(_series(40, "2022-06-01", seed=7)["v"], fh=[1, 2])
    assert len(forecaster.history_) == 2
    assert not _same(_weights(forecaster.network_), pretrained_weights)
    assert _same(_weights(forecaster.pretrained_network_), pretrained_weights)
    forecaster.set_params(fine_tune_epochs=0)  # a fine-tuning parameter: kept
    forecaster.fit(_series(20, "2022-06-01")["v"], fh=[1])
    assert forecaster.state == "fitted"
    assert _same(_weights(forecaster.network_), pretrained_weights)


def test_sktimes_clone_keeps_the_pretrained_network(pretrained):
    copy = pretrained.clone()
    assert copy.state == "pretrained"
    assert copy.pretrained_network_ is not pretrained.pretrained_network_
    assert _same(_weights(copy.pretrained_network_), _weights(pretrained.pretrained_network_))


def test_set_params_keeps_the_pretrained_network_only_for_fine_tuning_parameters(pretrained):
    weights = _weights(pretrained.pretrained_network_)
    tuned = pretrained.clone().set_params(learning_rate=1e-3, fine_tune_epochs=1, batch_size=4)
    assert tuned.state == "pretrained" and _same(_weights(tuned.pretrained_network_), weights)
    with pytest.warns(UserWarning, match=r"changed \['d_model'\].*discarded; set such"):
        reshaped = pretrained.clone().set_params(d_model=8, learning_rate=1e-3)
    assert reshaped.state == "new" and not hasattr(reshaped, "pretrained_network_")
    same = pretrained.clone().set_params(d_model=pretrained.d_model)  # unchanged: kept
    assert same.state == "pretrained"


def test_grid_search_tunes_fine_tuning_after_pretrain(pretrained):
    from sktime.forecasting.model_selection import ForecastingGridSearchCV

    y = _series(40, "2022-06-01", seed=9)["v"]
    cv = ExpandingWindowSplitter(initial_window=24, step_length=8, fh=[1, 2])
    grid = {"fine_tune_epochs": [0, 1], "learning_rate": [1e-4, 1e-3]}
    search = ForecastingGridSearchCV(pretrained, cv, grid).fit(y, fh=[1, 2])
    assert len(search.cv_results_) == 4 and np.isfinite(search.cv_results_.iloc[:, 1]).all()
    best = search.best_forecaster_
    assert hasattr(best, "pretrained_network_")
    assert _same(_weights(best.pretrained_network_), _weights(pretrained.pretrained_network_))


def test_evaluate_on_a_short_unseen_series_after_pretrain(pretrained):
    y = _series(30, "2022-06-01", seed=9)["v"]
    cv = ExpandingWindowSplitter(initial_window=16, step_length=4, fh=[1, 2])
    results = evaluate(pretrained, cv, y)
    assert len(results) == 4 and np.isfinite(results.iloc[:, 0]).all()
    assert np.isfinite(evaluate(_pretrained(2), cv, y).iloc[:, 0]).all()
    assert pretrained.state == "pretrained"  # evaluate worked on clones


def test_a_pretrained_and_fitted_forecaster_pickles(pretrained):
    forecaster = _pretrained(0)
    forecaster.fit(_series(20, "2022-06-01")["v"], fh=[1, 2])
    loaded = pickle.loads(pickle.dumps(forecaster))
    pd.testing.assert_series_equal(loaded.predict(), forecaster.predict(), check_exact=True)
    assert _same(_weights(loaded.pretrained_network_), _weights(pretrained.pretrained_network_))


def test_pretrain_with_series_embedding_gives_unseen_series_the_mean_vector():
    forecaster = InformerForecaster(**SMALL, series_embedding=True, fine_tune_epochs=0)
    forecaster.pretrain(_three(), fh=[1, 2])
    assert forecaster.pretrained_data_["series_ids"] == {"a": 0, "b": 1, "c": 2}
    # a series with a pretrained name keeps its vector; an unseen one gets the mean
    forecaster.fit(_panel(b=_series(20, "2022-01-01"), new=_series(20, "2022-01-01")), fh=[1])
    assert [c.series_id for c in forecaster._contexts.values()] == [1, -1]
    assert forecaster.predict().shape == (2, 1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda f: f.pretrain(_three()), r"pretrain needs fh"),
        (lambda f: f.pretrain(_three(), fh=[1, 2]).fit(_series(20, "2022-01-01"), fh=[3]),
         r"fh reaches 3 steps ahead, but the pretrained network forecasts at most 2"),
        (lambda f: f.pretrain(_three(), fh=[1]).fit(
            pd.concat([_series(20, "2022-01-01"), _series(20, "2022-01-01").rename(
                columns={"v": "w"})], axis=1), fh=[1]),
         r"y passed to fit has 2 columns \['v', 'w'\], but the forecaster was pretrained "
         r"on y with 1, \['v'\]"),
        (lambda f: f.pretrain(_three(), fh=[1]).fit(
            _series(20, "2022-01-01", freq="D"), fh=[1]),
         r"y has frequency D, but the forecaster was pretrained on series of frequency h"),
    ],
    ids=["no fh", "fh too long", "other columns", "other frequency"],
)
def test_bad_pretrain_and_fit_after_pretrain_raise_clear_errors(call, match):
    forecaster = InformerForecaster(**SMALL, fine_tune_epochs=0)
    with pytest.raises(ValueError, match=match):
        call(forecaster)
    assert not forecaster.is_fitted


def test_pretrain_rejects_a_single_series_as_sktime_does():
    with pytest.raises(TypeError, match="requires Panel or Hierarchical data"):
        InformerForecaster(**SMALL).pretrain(_series(40, "2021-01-01"), fh=[1])
