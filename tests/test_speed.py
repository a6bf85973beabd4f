"""Tests of the speed program, ``informer_sk.benchmarks.speed``, on tiny configurations."""

import copy
import functools
import math

import pytest
import torch

from informer_sk.benchmarks import speed
from informer_sk.nn import Informer, ProbSparseAttention
from informer_sk.nn.dropout import Dropout

TINY = speed.TINY


def test_training_step_figures():
    config = speed.paper_config(**TINY)
    small = speed.training_step(config, batch_size=2, repeats=2, warmup=1)
    large = speed.training_step(config, batch_size=4, repeats=2, warmup=1)
    assert len(small["step_s"]) == 2 and min(small["step_s"]) > 0
    assert small["n_parameters"] == sum(p.numel() for p in Informer(config).parameters())
    # the counted FLOPs are those of the batch: twice the windows, about twice the work
    assert 1.8 < large["flops"] / small["flops"] < 2.2
    assert all(f > 0 and math.isfinite(f) for f in small["fraction"])


@pytest.mark.parametrize("activation", ["gelu", "relu"])
def test_original_structure_is_the_same_math_with_more_work(activation):
    config = speed.paper_config(**TINY, activation=activation, dropout=0.0)
    torch.manual_seed(0)
    ours = Informer(config).train()
    original = speed.original_structure(copy.deepcopy(ours))
    *inputs, target = speed._batches(config, 6, "cpu", n_batches=1)[0]
    losses = []
    for network in (ours, original):
        torch.manual_seed(1)  # the same ProbSparse key samples
        loss = torch.nn.functional.mse_loss(network(*inputs), target)
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(ours.named_parameters(), original.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6, msg=name)
    # torch's dropout, none of the package's left; the feed-forward as convolutions
    assert not any(isinstance(m, Dropout) for m in original.modules())
    assert sum(isinstance(m, speed._ConvFeedForward) for m in original.modules()) == 3


def test_per_query_sparsity_measures_each_query_on_its_own_key_sample():
    torch.manual_seed(0)
    B, H, L, D, U = 2, 3, 7, 4, 3
    q, k = torch.randn(B, H, L, D), torch.randn(B, H, L, D)
    torch.manual_seed(1)
    measured = speed._PerQuerySampling()._sparsity(q, k, U)
    torch.manual_seed(1)
    sample = torch.randint(L, (L, U))  # the same draw: U key indices per query
    for i in range(L):
        scores = (q[:, :, i : i + 1] @ k[:, :, sample[i]].transpose(-2, -1)).squeeze(2) / math.sqrt(D)  # (B, H, U)
        assert torch.allclose(measured[:, :, i], scores.amax(-1) - scores.mean(-1), atol=1e-6)


def test_per_query_keys_swap_the_measurement_and_keep_the_settings():
    config = speed.paper_config(**TINY, factor=3, dropout=0.2)
    network = speed.original_structure(Informer(config), per_query_keys=True, parts=())
    probsparse = [m for m in network.modules() if isinstance(m, ProbSparseAttention)]
    assert len(probsparse) == 3 and all(type(m) is speed._PerQuerySampling for m in probsparse)
    assert all(m.factor == 3 and m.dropout.p == 0.2 for m in probsparse)
    assert any(m.causal for m in probsparse) and not all(m.causal for m in probsparse)


@pytest.mark.parametrize(
    "variant, more_flops", [("original", True), ("original-sampling", True), ("every-row", True),
                            ("torch-dropout", False), ("loop-adam", False)],
)  # fmt: skip
def test_paired_variants(variant, more_flops):
    r = speed.paired_training_steps(speed.paper_config(**TINY), batch_size=2, repeats=2, variant=variant, warmup=1)
    assert len(r["eager_s"]) == len(r["variant_s"]) == 2 and min(r["eager_s"] + r["variant_s"]) > 0
    # every decoder row through the last layer: more work for the same forecast
    assert (r["variant_flops"] > r["eager_flops"]) if more_flops else (r["variant_flops"] == r["eager_flops"])


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_precision_comparison_trains_both_and_compares_their_forecasts():
    r = speed.precision_comparison(speed.paper_config(**TINY), batch_size=4, repeats=2, warmup=1)
    assert len(r["fp32_s"]) == len(r["bf16_s"]) == 2 and min(r["fp32_s"] + r["bf16_s"]) > 0
    assert all(math.isfinite(r[k]) for k in ("fp32_mse", "bf16_mse", "forecast_mse"))
    # same start, same batches: the forecasts differ only through bf16 rounding
    assert 0 < r["forecast_mse"] < 0.1 * r["fp32_mse"]


def test_tf32_sets_and_restores_the_matmul_precision():
    before = torch.backends.cuda.matmul.fp32_precision
    with speed.tf32():
        assert torch.backends.cuda.matmul.fp32_precision == "tf32"
    assert torch.backends.cuda.matmul.fp32_precision == before
    with pytest.raises(KeyError), speed.tf32():
        raise KeyError
    assert torch.backends.cuda.matmul.fp32_precision == before


@pytest.mark.filterwarnings("ignore:precision='bf16'")
@pytest.mark.parametrize("precision, compiled", [("fp32", False), ("bf16", False), ("fp32", True)])
def test_device_steps_on_the_cpu(precision, compiled, monkeypatch):
    # aot_eager traces and runs the graph without generating kernels: the plumbing in seconds
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))
    r = speed.device_steps(speed.paper_config(**TINY), 4, "cpu", precision, compiled, repeats=2, warmup=1)
    assert len(r["step_s"]) == 2 and min(r["step_s"]) > 0 and r["first_call_s"] > 0
    assert r["busy"] is None and r["peak_bytes"] is None  # profiled on CUDA only


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_main_tiny_prints_every_table(capsys):
    speed.main(["--tiny"])
    out = capsys.readouterr().out
    assert "| FLOPs per step" in out and "| network forward, batch 32" in out
    assert "| the original's layout | " in out and "| the original's layout and key sampling | " in out
    bound = next(line for line in out.splitlines() if line.startswith("- at most, were every FLOP of ours"))
    assert "x the original's layout;" in bound and "x the original's layout and key sampling" in bound
    for choice in ("torch.nn.Dropout", "torch.optim.Adam's per-tensor loop", "every decoder row through the last layer"):
        assert f"| {choice} | " in out
    assert "| forecast MSE on a fixed batch |" in out


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_main_refuses_a_device_torch_cannot_use(device, capsys):
    if speed._device_available(device) is None:
        pytest.skip(f"this machine has {device}")
    with pytest.raises(SystemExit):
        speed.main(["--tiny", "--device", device])
    err = capsys.readouterr().err
    assert f"--device {device}: torch {torch.__version__} " in err and "run with --device cpu" in err
