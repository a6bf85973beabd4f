"""Every tensor of every public path lives on the forecaster's device.

On a CPU-only machine a GPU's failure mode is reproduced by making torch's default
device ``meta``: a tensor created without an explicit device then lands on ``meta``,
and the first operation mixing it with the forecaster's (CPU) tensors, or reading its
values, raises. A path that passes here builds every tensor on the device it was
given, which is what running on CUDA or MPS needs.
"""

import contextlib

import numpy as np
import pandas as pd
import pytest
import torch

from informer_sk import InformerForecaster, diagnostics
from tests.conftest import SMALL, hourly, panel


@contextlib.contextmanager
def stray_tensors_on_meta():
    torch.set_default_device("meta")
    try:
        yield
    finally:
        torch.set_default_device(None)


# the CPU with stray tensors sent to meta; on a machine with CUDA, CUDA itself too, where a
# stray CPU tensor fails by itself (tools/gpu_check.sh runs these there)
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def catching_strays(device):
    return stray_tensors_on_meta() if device == "cpu" else contextlib.nullcontext()


def test_the_meta_default_catches_a_tensor_made_without_a_device():
    with stray_tensors_on_meta(), pytest.raises((RuntimeError, NotImplementedError)):
        torch.ones(3, device="cpu") + torch.arange(3)


PARAMS = {**SMALL, "seq_len": 16, "label_len": 8, "train_epochs": 1, "validation_size": 0.25}
FH = np.arange(1, 5)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"residual_sp": 4, "residual_periods": "auto", "revin": True},
        {"loss": "quantile", "attn": "full", "distil": False},
        {"loss": "normal", "embed": "fixed"},
        {"activation_checkpointing": True},
        {"highway": "least_squares", "revin": True, "residual_sp": 4},
    ],
    ids=["point", "residual-auto", "quantile", "normal", "recompute", "least-squares"],
)
@pytest.mark.parametrize("device", DEVICES)
def test_fit_update_and_every_predict_on_the_device(params, device):
    y = hourly(300, n_columns=2)
    X = hourly(300 + 24, seed=1).rename(columns={"c0": "x"})
    forecaster = InformerForecaster(**{**PARAMS, **params, "device": device})
    with catching_strays(device):
        forecaster.fit(y.iloc[:250], X=X.iloc[:250], fh=FH)
        forecaster.update(y.iloc[250:270], X=X.iloc[250:270], update_params=True)
        forecaster.update(y.iloc[270:], X=X.iloc[270:300], update_params=False)
        future = X.iloc[300:304]
        assert np.isfinite(forecaster.predict(X=future).to_numpy()).all()
        if params.get("loss") in ("quantile", "normal"):
            forecaster.predict_interval(X=future, coverage=0.8)
            forecaster.predict_quantiles(X=future, alpha=[0.1, 0.9])
            forecaster.predict_var(X=future)
        if params.get("loss") == "normal":
            forecaster.predict_proba(X=future)


@pytest.mark.parametrize("device", DEVICES)
def test_pretrain_then_fit_on_the_device(device):
    data = panel(a=hourly(200), b=hourly(200, seed=1, start="2021-04-01"))
    forecaster = InformerForecaster(**{**PARAMS, "device": device}, series_embedding=True, fine_tune_epochs=1)
    with catching_strays(device):
        forecaster.pretrain(data, fh=FH)
        forecaster.fit(hourly(120, seed=2), fh=FH)
        assert np.isfinite(forecaster.predict().to_numpy()).all()


@pytest.mark.parametrize("device", DEVICES)
def test_diagnostics_on_the_device(device):
    y = hourly(300)
    forecaster = InformerForecaster(**{**PARAMS, "device": device}).fit(y, fh=FH)
    with catching_strays(device):
        sparsity, _ = diagnostics.sparsity_distribution(forecaster, y, n_windows=4, plot=False)
        weights, _ = diagnostics.attention_map(forecaster, y, plot=False)
        active, _ = diagnostics.active_queries(forecaster, y, plot=False)
    assert len(sparsity) and len(weights) and len(active)
    assert np.isfinite(sparsity["sparsity"]).all()


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_cuda
@pytest.mark.parametrize("settings", [{"precision": "tf32"}, {"precision": "bf16"}, {"compile": True}],
                         ids=["tf32", "bf16", "compile"])  # fmt: skip
def test_the_cuda_speed_settings_fit_and_forecast(settings):
    forecaster = InformerForecaster(**{**PARAMS, **settings, "device": "cuda"}).fit(hourly(300), fh=FH)
    assert forecaster.device_.type == "cuda"
    assert np.isfinite(forecaster.predict().to_numpy()).all()


@needs_cuda
def test_deterministic_cuda_fits_repeat_bit_for_bit_and_leave_the_callers_rng_alone():
    torch.manual_seed(123)
    cpu_state, cuda_states = torch.get_rng_state(), torch.cuda.get_rng_state_all()
    params = {**PARAMS, "device": "cuda", "deterministic": True, "dropout": 0.1}
    first, second = (InformerForecaster(**params).fit(hourly(300), fh=FH).predict() for _ in range(2))
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert torch.equal(torch.get_rng_state(), cpu_state)
    assert all(torch.equal(a, b) for a, b in zip(torch.cuda.get_rng_state_all(), cuda_states))
