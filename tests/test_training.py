"""The fit loop's helpers: thread control, bf16 autocast and its support detection; the losses."""

import copy
import dataclasses
import functools
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import norm

from informer_sk import InformerForecaster, runtime, training
from informer_sk.nn import Informer, InformerConfig
from informer_sk.runtime import seeded
from informer_sk.training import gaussian_nll, pinball_loss, train_network
from informer_sk.windows import SeriesTensors, Windows, window_starts


def test_torch_threads_sets_the_count_for_the_block_and_restores_it():
    before = torch.get_num_threads()
    other = 2 if before == 1 else 1
    with runtime.torch_threads(other):
        assert torch.get_num_threads() == other
    assert torch.get_num_threads() == before
    with pytest.raises(KeyError), runtime.torch_threads(other):
        raise KeyError("a failing block")
    assert torch.get_num_threads() == before
    with runtime.torch_threads(None):
        assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "line, expected",
    [
        ("flags\t\t: fpu avx2 avx512_bf16 amx_tile amx_bf16\n", ["amx_bf16", "avx512_bf16"]),
        ("flags\t\t: fpu avx2 avx512f\n", []),
        ("Features\t: fp asimd bf16 sve\n", ["bf16"]),  # ARM, e.g. Graviton 3
    ],
)
def test_cpu_bf16_support_reads_the_cpu_flags(tmp_path, line, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: X\n" + line + "processor\t: 1\n" + line)
    assert runtime.cpu_bf16_support(cpuinfo) == expected


def test_cpu_bf16_support_claims_nothing_without_cpuinfo(tmp_path):
    assert runtime.cpu_bf16_support(tmp_path / "absent") == []


def test_check_precision_names_the_choices_and_refuses_bf16_on_mps():
    with pytest.raises(ValueError, match=r"precision='fp16' is not one of \('fp32', 'tf32', 'bf16'\)"):
        runtime.check_precision("fp16", torch.device("cpu"))
    with pytest.raises(ValueError, match="not on device 'mps'; pass precision='fp32'"):
        runtime.check_precision("bf16", torch.device("mps"))
    runtime.check_precision("fp32", torch.device("mps"))
    runtime.check_precision("bf16", torch.device("cpu"))


@pytest.fixture
def no_bf16_warned_yet(monkeypatch):
    monkeypatch.setattr(runtime, "_warned_slow_bf16", set())


def test_bf16_autocast_runs_matmuls_in_bf16_and_fp32_leaves_them(no_bf16_warned_yet):
    a = torch.randn(4, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with runtime.autocast("bf16", torch.device("cpu")):
            assert (a @ a.T).dtype == torch.bfloat16
    with runtime.autocast("fp32", torch.device("cpu")):
        assert (a @ a.T).dtype == torch.float32


def test_bf16_on_a_cpu_without_native_support_warns_once(monkeypatch, no_bf16_warned_yet):
    monkeypatch.setattr(runtime, "cpu_bf16_support", lambda: [])
    with pytest.warns(UserWarning, match="neither AVX-512 BF16 nor AMX.*slower than precision='fp32'"):
        with runtime.autocast("bf16", torch.device("cpu")):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with runtime.autocast("bf16", torch.device("cpu")):  # the second time: silent
            pass


def test_bf16_on_a_cpu_with_native_support_does_not_warn(monkeypatch, no_bf16_warned_yet):
    monkeypatch.setattr(runtime, "cpu_bf16_support", lambda: ["amx_bf16"])
    a = torch.randn(4, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with runtime.autocast("bf16", torch.device("cpu")):
            assert (a @ a.T).dtype == torch.bfloat16
    assert caught == []
    assert "cpu" not in runtime._warned_slow_bf16


def test_tf32_is_for_cuda_only():
    with pytest.raises(ValueError, match="precision='tf32' is a mode of CUDA GPUs"):
        runtime.check_precision("tf32", torch.device("cpu"))


@pytest.mark.parametrize("device", ["meta", "hpu", "banana", "cuda:99"])
def test_a_device_torch_cannot_compute_on_here_is_refused(device):
    with pytest.raises(ValueError, match=f"device={device!r}"):
        runtime.check_device(device)


def test_deterministic_sets_and_restores_torchs_flag():
    before = torch.are_deterministic_algorithms_enabled()
    with runtime.deterministic(True):
        assert torch.are_deterministic_algorithms_enabled()
    assert torch.are_deterministic_algorithms_enabled() == before


def _tiny_windows(config, n_windows=16):
    g = torch.Generator().manual_seed(0)
    n_rows = n_windows + config.seq_len + config.pred_len - 1
    marks = torch.stack([torch.randint(s, (n_rows,), generator=g) for s in config.mark_sizes], -1)
    series = SeriesTensors(torch.randn(n_rows, 1, generator=g), marks, 1)
    return Windows(series, torch.arange(n_windows), config.seq_len, config.label_len, config.pred_len)


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_bf16_training_keeps_weights_losses_and_optimiser_in_fp32():
    config = InformerConfig(
        enc_in=1, dec_in=1, c_out=1, seq_len=8, label_len=4, pred_len=2, d_model=8,
        n_heads=2, d_ff=16, mark_sizes=(24, 7, 31, 366),
    )  # fmt: skip
    torch.manual_seed(0)
    network = Informer(config)
    before = [p.detach().clone() for p in network.parameters()]
    windows = _tiny_windows(config)
    with runtime.autocast("bf16", torch.device("cpu")):
        loss = training._forward_loss(network, windows, torch.arange(4))
    assert loss.dtype == torch.float32
    history, _ = training.train_network(
        network, windows, windows, epochs=2, batch_size=8, learning_rate=1e-3,
        patience=3, precision="bf16",
    )  # fmt: skip
    assert all(p.dtype == torch.float32 for p in network.parameters())
    assert any(not torch.equal(b, p) for b, p in zip(before, network.parameters()))
    assert all(isinstance(r["train_loss"], float) and r["val_loss"] < 10 for r in history)


def test_pinball_loss_by_hand():
    out = torch.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 0.0]])  # levels 0.1, 0.5, 0.9
    target = torch.tensor([3.0, -1.0])
    # row 1: errors 2, 1, -1 -> 0.1*2, 0.5*1, 0.1*1; row 2: errors -1 -> 0.9, 0.5, 0.1
    expected = (0.2 + 0.5 + 0.1 + 0.9 + 0.5 + 0.1) / 6
    loss = pinball_loss(out, target, (0.1, 0.5, 0.9))
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_pinball_loss_is_minimised_by_the_true_quantile():
    target = torch.from_numpy(np.random.default_rng(0).normal(size=20_000)).float()
    candidates = torch.linspace(0.8, 1.8, 101)
    losses = [pinball_loss(c.expand(len(target), 1), target, (0.9,)) for c in candidates]
    best = candidates[int(torch.stack(losses).argmin())]
    assert abs(best - norm.ppf(0.9)) < 0.05


def test_gaussian_nll_matches_scipy():
    mean, scale, target = [0.5, -1.0], [2.0, 0.3], [1.0, -1.2]
    out = torch.tensor([[m, s] for m, s in zip(mean, scale)])
    expected = -np.mean(norm.logpdf(target, loc=mean, scale=scale))
    assert gaussian_nll(out, torch.tensor(target)).item() == pytest.approx(expected, rel=1e-6)


def _problem(head="point", quantiles=()):
    t = torch.arange(120, dtype=torch.float32)
    series = SeriesTensors.from_arrays(
        torch.sin(t / 4).numpy()[:, None], None, np.zeros((120, 0), dtype=np.int64)
    )
    # full attention: ProbSparse samples keys afresh on every forward pass
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=4,
                            d_model=8, n_heads=2, d_ff=16, attn="full", head=head,
                            quantiles=quantiles)  # fmt: skip
    windows = Windows(series, window_starts(120, 16, 4), 16, 8, 4)
    return config, windows


SETTINGS = dict(epochs=2, batch_size=16, learning_rate=1e-3, patience=3)


def _train(config, windows, **extra):
    with seeded(0, torch.device("cpu")):
        network = Informer(config)
        history, _ = train_network(network, windows, windows, **SETTINGS, **extra)
    return network, history


def test_the_default_loss_is_mse_bit_for_bit():
    config, windows = _problem()
    default, history = _train(config, windows)
    explicit, explicit_history = _train(config, windows, loss=F.mse_loss)
    losses = [{k: v for k, v in r.items() if k != "seconds"} for r in history]
    assert losses == [{k: v for k, v in r.items() if k != "seconds"} for r in explicit_history]
    for a, b in zip(default.parameters(), explicit.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    "head, quantiles, loss",
    [
        ("quantile", (0.1, 0.5, 0.9), functools.partial(pinball_loss, quantiles=(0.1, 0.5, 0.9))),
        ("normal", (), gaussian_nll),
    ],
)
def test_probabilistic_heads_train_and_validate_on_their_loss(head, quantiles, loss):
    config, windows = _problem(head, quantiles)
    network, history = _train(config, windows, loss=loss)
    assert history[1]["train_loss"] < history[0]["train_loss"]
    with torch.no_grad():
        x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(torch.arange(len(windows)))
        expected = loss(network(x_enc, mark_enc, x_dec, mark_dec), target).item()
    assert math.isclose(history[-1]["val_loss"], expected, rel_tol=1e-4)



def _linear_start():
    # a clean daily cycle, which the least-squares map forecasts almost exactly: training
    # at a learning rate far too high can only make the validation loss worse
    t = torch.arange(400, dtype=torch.float32)
    series = SeriesTensors.from_arrays((3.0 + torch.sin(2 * math.pi * t / 24)).numpy()[:, None], None,
                                       np.zeros((400, 0), dtype=np.int64))  # fmt: skip
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=48, label_len=24, pred_len=12,
                            d_model=8, n_heads=2, d_ff=16, revin=True, highway=True)  # fmt: skip
    windows = Windows(series, window_starts(400, 48, 12), 48, 24, 12)
    with seeded(0, torch.device("cpu")):
        network = Informer(config)
    training.fit_highway(network, windows)
    return network, windows


def test_validate_start_keeps_a_start_that_no_epoch_beats():
    network, windows = _linear_start()
    start = {k: v.clone() for k, v in network.state_dict().items()}
    bad = dict(epochs=3, batch_size=16, learning_rate=0.5, patience=2)
    trained = copy.deepcopy(network)
    with seeded(0, torch.device("cpu")):
        _, best_epoch = train_network(trained, windows, windows, **bad)
    assert best_epoch >= 1  # without it, the best of the ruined epochs
    with seeded(0, torch.device("cpu")):
        history, best_epoch = train_network(network, windows, windows, validate_start=True, **bad)
    assert best_epoch == 0
    assert len(history) == 2  # the two epochs of patience, both worse than the start
    assert all(torch.equal(v, start[k]) for k, v in network.state_dict().items())


def test_validate_start_leaves_the_training_draws_as_they_were():
    # ProbSparse samples keys in the validation pass: the start's pass must not move
    # the RNG, so an epoch that beats the start gives the same weights either way
    config, windows = _problem()
    config = dataclasses.replace(config, attn="prob", factor=1)
    fits = []
    for validate_start in (False, True):
        with seeded(0, torch.device("cpu")):
            network = Informer(config)
            history, best_epoch = train_network(network, windows, windows, validate_start=validate_start,
                                                **SETTINGS)  # fmt: skip
        fits.append((network, [h["val_loss"] for h in history], best_epoch))
    (plain, plain_losses, plain_best), (validated, losses, best) = fits
    assert losses == plain_losses and best == plain_best >= 1
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), validated.parameters()))


_FORWARD_LOSS = training._forward_loss


def _recorded_batches(monkeypatch, **extra):
    """Train on ``_problem`` and return the windows of every training and validation batch."""
    config, windows = _problem()
    forward, batches = _FORWARD_LOSS, {"train": [], "val": []}

    def recording(network, windows, idx, *args, **kwargs):
        batches["train" if network.training else "val"].append(idx.tolist())
        return forward(network, windows, idx, *args, **kwargs)

    monkeypatch.setattr(training, "_forward_loss", recording)
    settings = {**SETTINGS, "epochs": 3, "batch_size": 8, **extra}
    with seeded(0, torch.device("cpu")):
        network = Informer(config)
        history, _ = train_network(network, windows, windows, **settings)
    return batches, history, len(windows)


def test_windows_per_epoch_draws_that_many_windows_without_replacement_every_epoch(monkeypatch):
    batches, history, n_windows = _recorded_batches(monkeypatch, windows_per_epoch=20)
    epochs = [sum(batches["train"][i * 3 : (i + 1) * 3], []) for i in range(3)]  # 8 + 8 + 4
    assert len(batches["train"]) == 9 and len(history) == 3
    for drawn in epochs:
        assert len(drawn) == len(set(drawn)) == 20
        assert set(drawn) <= set(range(n_windows))
    assert len({tuple(sorted(drawn)) for drawn in epochs}) == 3  # a new draw every epoch
    # validation unchanged: every validation window, every epoch
    assert sorted(sum(batches["val"], [])) == sorted(list(range(n_windows)) * 3)
    again, _, _ = _recorded_batches(monkeypatch, windows_per_epoch=20)
    assert again["train"] == batches["train"]  # seeded


def test_windows_per_epoch_beyond_the_windows_trains_on_all_of_them(monkeypatch):
    every, history, n_windows = _recorded_batches(monkeypatch)
    capped, capped_history, _ = _recorded_batches(monkeypatch, windows_per_epoch=10**6)
    assert capped == every
    assert [r["train_loss"] for r in capped_history] == [r["train_loss"] for r in history]
    assert sorted(sum(every["train"][:13], [])) == list(range(n_windows))  # ceil(101 / 8) steps


def test_the_forecaster_passes_windows_per_epoch_to_training(small_params, hourly_series):
    y = hourly_series(24 * 6)
    forecaster = InformerForecaster(**small_params, windows_per_epoch=16).fit(y, fh=[1, 2])
    every = InformerForecaster(**small_params).fit(y, fh=[1, 2])
    assert forecaster.get_params()["windows_per_epoch"] == 16
    assert forecaster.history_[0]["train_loss"] != every.history_[0]["train_loss"]


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "100"])
def test_windows_per_epoch_must_be_none_or_a_positive_integer(value, small_params, hourly_series):
    forecaster = InformerForecaster(**small_params, windows_per_epoch=value)
    with pytest.raises(ValueError, match=rf"windows_per_epoch={value!r} must be None \(every training"):
        forecaster.fit(hourly_series(24 * 6), fh=[1, 2])
    assert not forecaster.is_fitted


def test_activation_checkpointing_fits_the_same_forecaster(small_params, hourly_series):
    y = hourly_series(24 * 6)
    plain = InformerForecaster(**small_params).fit(y, fh=[1, 2])
    recomputed = InformerForecaster(**small_params, activation_checkpointing=True).fit(y, fh=[1, 2])
    assert [r["train_loss"] for r in recomputed.history_] == [r["train_loss"] for r in plain.history_]
    np.testing.assert_allclose(recomputed.predict().to_numpy(), plain.predict().to_numpy(), rtol=1e-5)
    assert recomputed.network_.recompute is False  # set for training only


@pytest.mark.parametrize("value", [1, "yes", None])
def test_activation_checkpointing_must_be_a_bool(value, small_params, hourly_series):
    forecaster = InformerForecaster(**small_params, activation_checkpointing=value)
    with pytest.raises(ValueError, match=rf"activation_checkpointing={value!r} must be True or False"):
        forecaster.fit(hourly_series(24 * 6), fh=[1, 2])
    assert not forecaster.is_fitted


@pytest.mark.parametrize("revin", [False, True])
def test_fit_highway_recovers_an_exact_linear_forecast(revin):
    # a daily cycle about a level: every future value is a fixed linear map of the
    # last inputs (one that keeps constants), so the least-squares map forecasts it
    # exactly, before any training, with or without instance normalisation
    t = torch.arange(400, dtype=torch.float32)
    values = (3.0 + torch.sin(2 * math.pi * t / 24)).numpy()[:, None]
    series = SeriesTensors.from_arrays(values, None, np.zeros((400, 0), dtype=np.int64))
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=48, label_len=24, pred_len=12,
                            d_model=8, n_heads=2, d_ff=16, revin=revin, highway=True)  # fmt: skip
    windows = Windows(series, window_starts(400, 48, 12), 48, 24, 12)
    with seeded(0, torch.device("cpu")):
        network = Informer(config).eval()
    x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(torch.arange(len(windows)))
    assert (network(x_enc, mark_enc, x_dec, mark_dec) - target).abs().max() > 0.5  # the zero map
    training.fit_highway(network, windows)
    error = (network(x_enc, mark_enc, x_dec, mark_dec) - target).abs().max()
    assert error < 1e-2


def test_fit_highway_fits_the_residual_over_the_seasonal_baseline():
    # the baseline is exact on a pure daily cycle: the map left to fit is zero
    t = torch.arange(400, dtype=torch.float32)
    series = SeriesTensors.from_arrays(torch.sin(2 * math.pi * t / 24).numpy()[:, None], None,
                                       np.zeros((400, 0), dtype=np.int64))  # fmt: skip
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=48, label_len=24, pred_len=12, d_model=8,
                            n_heads=2, d_ff=16, revin=True, residual_sp=24, highway=True)  # fmt: skip
    network = Informer(config)
    training.fit_highway(network, Windows(series, window_starts(400, 48, 12), 48, 24, 12))
    assert network.highway.weight.abs().max() < 1e-3 and network.highway.bias.abs().max() < 1e-3
