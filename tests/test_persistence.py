"""Saved and loaded forecasters: pickle, deepcopy, sktime's save/load, clone.

A loaded forecaster predicts exactly as the saved one and can be updated; the file
records the package and format versions and refuses a newer format; a model
trained on a GPU loads on a machine without one.
"""

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

import informer_sk
import informer_sk._persistence
import informer_sk.forecaster
from informer_sk import InformerForecaster
from tests.conftest import TINY as _TINY

TINY = {**_TINY, "dropout": 0.1}
N = 40
FH = [1, 2, 3]


def _frames(n=N + 6):
    t = np.arange(n)
    index = pd.date_range("2021-03-01", periods=n, freq="h")
    y = pd.DataFrame({"load": 10 + np.sin(t / 2.0), "price": np.cos(t / 3.0)}, index=index)
    X = pd.DataFrame({"temp": np.sin(t / 7.0)}, index=index)
    return y, X


@pytest.fixture(scope="module")
def _fitted():
    y, X = _frames()
    return InformerForecaster(**TINY).fit(y.iloc[:N], X=X.iloc[:N], fh=FH)


@pytest.fixture
def fitted(_fitted):
    return copy.deepcopy(_fitted)


def _round_trips():
    def through_sktime_file(forecaster, tmp_path):
        forecaster.save(tmp_path / "model")
        return InformerForecaster.load_from_path(tmp_path / "model.zip")

    def through_sktime_memory(forecaster, tmp_path):
        return InformerForecaster.load_from_serial(forecaster.save()[1])

    return {
        "pickle": lambda forecaster, tmp_path: pickle.loads(pickle.dumps(forecaster)),
        "deepcopy": lambda forecaster, tmp_path: copy.deepcopy(forecaster),
        "sktime save to file": through_sktime_file,
        "sktime save in memory": through_sktime_memory,
    }


ROUND_TRIPS = _round_trips()


@pytest.mark.parametrize("how", ROUND_TRIPS, ids=list(ROUND_TRIPS))
def test_a_loaded_forecaster_predicts_identically_and_can_update(fitted, how, tmp_path):
    y, X = _frames()
    loaded = ROUND_TRIPS[how](fitted, tmp_path)
    assert loaded is not fitted and loaded.network_ is not fitted.network_
    X_future = X.iloc[N : N + 3]
    pd.testing.assert_frame_equal(loaded.predict(X=X_future), fitted.predict(X=X_future),
                                  check_exact=True)  # fmt: skip
    # updating (with fine-tuning) the copy and the original gives the same result
    for forecaster in (loaded, fitted):
        forecaster.update(y.iloc[N : N + 3], X=X.iloc[N : N + 3], update_params=True)
    X_next = X.iloc[N + 3 : N + 6]
    pd.testing.assert_frame_equal(loaded.predict(X=X_next), fitted.predict(X=X_next),
                                  check_exact=True)  # fmt: skip


def test_an_unfitted_forecaster_round_trips():
    forecaster = InformerForecaster(**TINY)
    loaded = pickle.loads(pickle.dumps(forecaster))
    assert not loaded.is_fitted and loaded.get_params() == forecaster.get_params()
    y, _ = _frames(N)
    expected = forecaster.fit(y, fh=FH).predict()
    pd.testing.assert_frame_equal(loaded.fit(y, fh=FH).predict(), expected, check_exact=True)


def test_clone_gives_an_unfitted_forecaster_with_the_same_parameters(fitted):
    for fresh in (clone(fitted), fitted.clone()):
        assert not fresh.is_fitted and not hasattr(fresh, "network_")
        assert fresh.get_params() == fitted.get_params()
    assert fitted.is_fitted  # the original is untouched


def test_the_saved_state_records_package_and_format_version(fitted):
    state = fitted.__getstate__()
    assert state["_saved_by"] == {
        "format": informer_sk._persistence.STATE_FORMAT,
        "informer_sk": informer_sk.__version__,
    }
    assert "_saved_by" not in vars(pickle.loads(pickle.dumps(fitted)))


def test_a_file_from_a_newer_format_is_refused_with_a_clear_message(fitted, monkeypatch, tmp_path):
    monkeypatch.setattr(informer_sk._persistence, "STATE_FORMAT", 99)
    fitted.save(tmp_path / "future")
    monkeypatch.undo()
    current = informer_sk._persistence.STATE_FORMAT
    with pytest.raises(ValueError, match=rf"state format 99, but informer_sk .* up to {current}; "):
        InformerForecaster.load_from_path(tmp_path / "future.zip")


def test_weights_are_stored_on_the_cpu(fitted):
    config, weights = fitted.__getstate__()["network_"]
    assert config == fitted.network_.config
    assert weights and all(w.device.type == "cpu" for w in weights.values())


def test_a_model_trained_on_a_gpu_loads_on_a_machine_without_one(fitted, monkeypatch):
    # the network sits on the CPU here; the state says CUDA, as a GPU-trained one would
    fitted.device_ = torch.device("cuda")
    blob = pickle.dumps(fitted)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(blob)
    assert loaded.device_ == torch.device("cpu")
    assert all(p.device.type == "cpu" for p in loaded.network_.parameters())
    fitted.device_ = torch.device("cpu")
    _, X = _frames()
    X_future = X.iloc[N : N + 3]
    pd.testing.assert_frame_equal(loaded.predict(X=X_future), fitted.predict(X=X_future),
                                  check_exact=True)  # fmt: skip


def test_loading_leaves_the_callers_torch_rng_alone(fitted):
    blob = pickle.dumps(fitted)
    state = torch.get_rng_state()
    pickle.loads(blob)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_a_bf16_forecaster_saved_to_a_zip_predicts_identically(tmp_path):
    y, X = _frames()
    fitted = InformerForecaster(**TINY, precision="bf16").fit(y.iloc[:N], X=X.iloc[:N], fh=FH)
    fitted.save(tmp_path / "model")
    loaded = InformerForecaster.load_from_path(tmp_path / "model.zip")
    assert loaded.precision == "bf16"
    X_future = X.iloc[N : N + 3]
    pd.testing.assert_frame_equal(loaded.predict(X=X_future), fitted.predict(X=X_future),
                                  check_exact=True)  # fmt: skip


def test_a_pickle_written_before_the_newer_parameters_existed_loads(fitted):
    state = fitted.__getstate__()
    for name in ("precision", "n_threads", "series_embedding", "fine_tune_epochs", "revin", "residual_sp",
                 "inference_batch_size", "compile", "deterministic", "channel_independent",
                 "windows_per_epoch"):  # fmt: skip
        del state[name]
    config, weights = state["network_"]
    old_config = copy.copy(config)
    del old_config.__dict__["residual_sp"]  # a network config pickled before the field existed
    state["network_"] = (old_config, weights)
    loaded = InformerForecaster.__new__(InformerForecaster)
    loaded.__setstate__(state)
    assert loaded.get_params() == fitted.get_params()
    _, X = _frames()
    pd.testing.assert_frame_equal(loaded.predict(X=X.iloc[N : N + 3]),
                                  fitted.predict(X=X.iloc[N : N + 3]), check_exact=True)  # fmt: skip


_LOAD_ON_CPU = """
import pickle, sys, torch
from informer_sk import InformerForecaster
assert not torch.cuda.is_available()
loaded = InformerForecaster.load_from_path(sys.argv[1])
assert loaded.device_.type == "cpu", loaded.device_
X_future = pickle.load(open(sys.argv[2], "rb"))
pickle.dump(loaded.predict(X=X_future), open(sys.argv[3], "wb"))
"""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_model_fitted_on_cuda_predicts_in_a_process_without_cuda(tmp_path):
    y, X = _frames()
    fitted = InformerForecaster(**{**TINY, "device": "cuda"}).fit(y.iloc[:N], X=X.iloc[:N], fh=FH)
    assert fitted.device_.type == "cuda"
    X_future = X.iloc[N : N + 3]
    on_gpu = fitted.predict(X=X_future)
    fitted.save(tmp_path / "model")
    with open(tmp_path / "X.pkl", "wb") as f:
        pickle.dump(X_future, f)
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": path}
    paths = [str(tmp_path / name) for name in ("model.zip", "X.pkl", "y_pred.pkl")]
    subprocess.run([sys.executable, "-c", _LOAD_ON_CPU, *paths], env=env, check=True)
    with open(tmp_path / "y_pred.pkl", "rb") as f:
        on_cpu = pickle.load(f)
    # the same weights; GPU and CPU kernels differ in the last bits
    pd.testing.assert_frame_equal(on_cpu, on_gpu, rtol=1e-4)


@pytest.mark.parametrize("loss", ["quantile", "normal"])
def test_a_probabilistic_forecaster_round_trips_with_its_intervals(loss, tmp_path):
    y, _ = _frames()
    fitted = InformerForecaster(**TINY, loss=loss).fit(y.iloc[:N], fh=FH)
    fitted.save(tmp_path / "proba")
    loaded = InformerForecaster.load_from_path(tmp_path / "proba.zip")
    assert loaded.get_tag("capability:pred_int")
    for method in ("predict_interval", "predict_quantiles", "predict_var"):
        pd.testing.assert_frame_equal(
            getattr(loaded, method)(), getattr(fitted, method)(), check_exact=True
        )


def test_a_file_from_before_the_probabilistic_heads_loads_as_a_point_forecaster(fitted):
    state = fitted.__getstate__()
    for name in ("loss", "quantiles", "quantiles_"):
        del state[name]
    state["_saved_by"] = {"format": 1, "informer_sk": "0.1.0"}
    loaded = InformerForecaster.__new__(InformerForecaster)
    loaded.__setstate__(state)
    assert loaded.get_params()["loss"] == "mse" and loaded.quantiles_ == ()
    _, X = _frames()
    X_future = X.iloc[N : N + 3]
    pd.testing.assert_frame_equal(loaded.predict(X=X_future), fitted.predict(X=X_future),
                                  check_exact=True)  # fmt: skip
