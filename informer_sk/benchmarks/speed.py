"""Speed of the Informer network on this machine, as markdown tables.

``python -m informer_sk.benchmarks.speed [--quick | --tiny] [--device {cpu,cuda,mps}]``

On the CPU (the default) it measures, at the paper's configuration (seq_len 96,
label_len 48, pred_len 24, d_model 512, 8 heads, 2 encoder and 1 decoder layers, d_ff
2048, one channel, the 4 hourly calendar fields, batch 32):

1. a training step (forward, MSE, backward, Adam): wall seconds, samples/s, FLOPs
   (``torch.utils.flop_counter.FlopCounterMode``) and the achieved FLOP rate beside a
   plain fp32 ``torch.matmul`` of the feed-forward's shape, timed in turn with the steps;
2. the same step paired with the original code's layout of the same network and math
   (:func:`original_structure`), with the package's and with the original's key sampling;
3. what each speed choice the network keeps buys, paired: dropout by drawn positions
   against ``torch.nn.Dropout``, the same for the attention weights against the dropout inside
   ``scaled_dot_product_attention``, fused Adam against the per-tensor loop, the
   decoder's last rows against every row; the two dropout choices again for the scale
   benchmark's small network at batch 1024;
4. bf16 autocast against fp32 (step time, and the forecasts of two networks trained
   alike) and, in the full run, ``torch.compile``;
5. predict latency: ``InformerForecaster.predict`` and the network's forward pass.

How attention's cost grows with the input length is
:mod:`informer_sk.benchmarks.attention`'s question.

With ``--device cuda`` (or ``mps``) it measures instead, at batch 32 and 256: step time,
samples/s, peak device memory and the share of the step the device is busy (the kernels'
time in torch.profiler over the step's time), for fp32, tf32 (CUDA) and bf16 autocast
(CUDA), each eager and ``torch.compile``'d. ``--tiny`` runs everything on a tiny
configuration in seconds.

The machine may be shared, so every CPU timing is a median over steps that alternate
with their comparison, and the load average is printed beside it.
"""

__all__ = [
    "device_steps",
    "main",
    "original_structure",
    "paired_training_steps",
    "paper_config",
    "precision_comparison",
    "predict_latency",
    "tf32",
    "training_step",
]

import argparse
import contextlib
import itertools
import math
import os
import statistics
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from informer_sk.benchmarks.machine import cpu_model, load_average
from informer_sk.nn import FullAttention, Informer, InformerConfig, ProbSparseAttention
from informer_sk.nn.dropout import Dropout
from informer_sk.nn.informer import FeedForward
from informer_sk.runtime import autocast, cpu_bf16_support
from informer_sk.training import adam, compile_network

# hourly data: hour, day of week, day of month, day of year (informer_sk.calendar)
HOURLY_MARK_SIZES = (24, 7, 31, 366)
TINY = dict(seq_len=16, label_len=8, pred_len=4, d_model=16, n_heads=2, d_ff=32)
# the network of informer_sk.benchmarks.scale, trained there at batch 1024
SMALL_NETWORK = dict(d_model=16, n_heads=2, d_ff=32)


def paper_config(**overrides):
    """The paper's default univariate configuration as an :class:`InformerConfig`."""
    config = dict(enc_in=1, dec_in=1, c_out=1, mark_sizes=HOURLY_MARK_SIZES)
    return InformerConfig(**{**config, **overrides})


def _batches(config, batch_size, device, n_batches=4, seed=0):
    """``n_batches`` random training batches ``(x_enc, mark_enc, x_dec, mark_dec, target)``
    on ``device``, the decoder's forecast steps zero as in training."""
    g = torch.Generator().manual_seed(seed)
    B, L_dec = batch_size, config.label_len + config.pred_len

    def marks(length):
        fields = [torch.randint(size, (B, length, 1), generator=g) for size in config.mark_sizes]
        return torch.cat(fields, dim=-1)  # (B, length, n_fields)

    batches = []
    for _ in range(n_batches):
        x_enc = torch.randn(B, config.seq_len, config.enc_in, generator=g)
        y = torch.randn(B, L_dec, config.dec_in, generator=g)
        x_dec = torch.cat([y[:, : config.label_len], torch.zeros_like(y[:, config.label_len :])], dim=1)
        target = y[:, config.label_len :, : config.c_out]
        batch = (x_enc, marks(config.seq_len), x_dec, marks(L_dec), target)
        batches.append(tuple(t.to(device) for t in batch))
    return batches


def _training_setup(config, batch_size, device="cpu", seed=0, loop_adam=False, compiled=False):
    """A network built on ``device``, its optimiser and a function taking one training step."""
    device = torch.device(device)
    torch.manual_seed(seed)
    with torch.device(device):
        network = Informer(config).train()
    if loop_adam:  # torch's default: one small kernel per parameter tensor and operation
        optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    else:
        optimizer = adam(network.parameters(), 1e-4, device)
    batches = itertools.cycle(_batches(config, batch_size, device, seed=seed))
    forward = compile_network(network, device) if compiled else network

    def step():
        *inputs, target = next(batches)
        loss = F.mse_loss(forward(*inputs).float(), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return network, step


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _timed(fn, device=torch.device("cpu")):
    """Wall seconds of one call, the device's queued work included."""
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def _count_flops(fn):
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def _reference_matmul(config, batch_size, step_flops):
    """fp32 ``torch.matmul`` of the feed-forward's shape, (B * seq_len, d_model) @ (d_model,
    d_ff), repeated for about a quarter of a step's FLOPs; returns it and its FLOPs."""
    a = torch.randn(batch_size * config.seq_len, config.d_model)
    b = torch.randn(config.d_model, config.d_ff)
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
    n = max(1, round(step_flops / flops / 4))

    def matmul():
        for _ in range(n):
            torch.matmul(a, b)

    return matmul, n * flops


def training_step(config, batch_size, repeats, warmup=2):
    """Time CPU training steps alternately with an fp32 matmul of the feed-forward's shape.

    Returns
    -------
    dict
        ``n_parameters``, ``flops`` (per step), ``step_s`` (one per repeat),
        ``matmul_flops_per_s`` (one per repeat) and ``fraction``: the step's FLOP rate
        over the matmul rate of the same pair.
    """
    network, step = _training_setup(config, batch_size)
    flops = _count_flops(step)
    matmul, matmul_flops = _reference_matmul(config, batch_size, flops)
    for _ in range(warmup):
        step()
        matmul()
    result = {"n_parameters": sum(p.numel() for p in network.parameters()), "flops": flops}
    result.update(step_s=[], matmul_flops_per_s=[], fraction=[])
    for _ in range(repeats):
        wall = _timed(step)
        rate = matmul_flops / _timed(matmul)
        result["step_s"].append(wall)
        result["matmul_flops_per_s"].append(rate)
        result["fraction"].append(flops / wall / rate)
    return result


# -- the original code's layout, for the paired comparison ---------------------------


class _ConvFeedForward(nn.Module):
    """The original's feed-forward: kernel-1 ``Conv1d`` on the (B, d_model, L) transpose,
    with the weights of ``feed_forward`` (a :class:`FeedForward`)."""

    def __init__(self, feed_forward):
        super().__init__()
        self.ff = feed_forward

    def forward(self, x):
        ff = self.ff
        y = F.conv1d(x.transpose(1, 2), ff.linear1.weight.unsqueeze(-1), ff.linear1.bias)  # (B, d_ff, L)
        y = F.conv1d(ff.dropout(ff.activation(y)), ff.linear2.weight.unsqueeze(-1), ff.linear2.bias)
        return ff.dropout(y).transpose(1, 2)  # (B, L, d_model)


class _EveryRow(nn.Module):
    """The original's decoder: every row through every layer; the horizon is sliced after."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, x, memory, return_attention=False, last_rows=None, recompute=False):
        return self.decoder(x, memory, return_attention, None, recompute)


class _PerQuerySampling(ProbSparseAttention):
    """ProbSparse measured as the original measures it: U keys drawn for each query (the
    same draw for every batch element and head), a (B, H, L_Q, U, D) copy of the keys."""

    def _sparsity(self, q, k, n_sampled_keys):
        B, H, L_Q, D = q.shape
        L_K = k.size(2)
        sample = torch.randint(L_K, (L_Q, n_sampled_keys), device=k.device)  # (L_Q, U)
        rows = torch.arange(L_Q, device=k.device).unsqueeze(1)  # (L_Q, 1)
        k_sample = k.unsqueeze(2).expand(B, H, L_Q, L_K, D)[:, :, rows, sample]  # (B, H, L_Q, U, D)
        scores = (q.unsqueeze(-2) @ k_sample.transpose(-2, -1)).squeeze(-2) / math.sqrt(D)  # (B, H, L_Q, U)
        return scores.amax(dim=-1) - scores.mean(dim=-1)


class _FusedProbSparse(ProbSparseAttention):
    """ProbSparse with ``scaled_dot_product_attention``'s own dropout on the CPU too."""

    def _explicit(self, q, return_attention):
        return return_attention


class _FusedFull(FullAttention):
    """Full attention with ``scaled_dot_product_attention``'s own dropout on the CPU too."""

    def _explicit(self, q, return_attention):
        return return_attention


def _swap(network, kind, make):
    """Replace every submodule of type ``kind`` by ``make(it)``, in place."""
    for module in list(network.modules()):
        for name, child in module.named_children():
            if type(child) is kind:
                setattr(module, name, make(child))
    return network


def original_structure(network, per_query_keys=False, parts=("feed_forward", "decoder", "dropout")):
    """Lay ``network`` out as the original code does, in place, with the same parameters.

    ``parts``: "feed_forward", kernel-1 ``Conv1d`` on the transpose instead of
    ``nn.Linear``; "decoder", every decoder row through the last layer instead of the
    horizon's rows alone; "dropout", ``torch.nn.Dropout`` instead of drawn positions;
    "attention_dropout", the attention weights' dropout inside
    ``scaled_dot_product_attention`` (torch's ``bernoulli_``) instead of drawn positions. The
    math is the same; train the result with ``torch.optim.Adam``'s per-tensor loop for
    the original's step. ``per_query_keys`` also measures ProbSparse's sparsity as the
    original does, on U keys drawn per query rather than per (batch element, head): the
    same estimator from other draws, and a large gather of the keys.
    """
    if "feed_forward" in parts:
        _swap(network, FeedForward, _ConvFeedForward)
    if "decoder" in parts:
        network.decoder = _EveryRow(network.decoder)
    if "dropout" in parts:
        _swap(network, Dropout, lambda d: nn.Dropout(d.p))
    if per_query_keys:
        _swap(network, ProbSparseAttention, lambda a: _PerQuerySampling(a.causal, a.factor, a.dropout.p))
    if "attention_dropout" in parts:
        _swap(network, ProbSparseAttention, lambda a: _FusedProbSparse(a.causal, a.factor, a.dropout.p))
        _swap(network, FullAttention, lambda a: _FusedFull(a.causal, a.dropout.p))
    return network


# variant: (what the other side changes, its original_structure parts, per-tensor Adam)
VARIANTS = {
    "original": ("the original's layout", ("feed_forward", "decoder", "dropout"), True),
    "original-sampling": ("the original's layout and key sampling", ("feed_forward", "decoder", "dropout"), True),
    "torch-dropout": ("torch.nn.Dropout", ("dropout",), False),
    "loop-adam": ("torch.optim.Adam's per-tensor loop", (), True),
    "every-row": ("every decoder row through the last layer", ("decoder",), False),
    "sdpa-dropout": ("scaled_dot_product_attention's own dropout", ("attention_dropout",), False),
    "compile": ("torch.compile", (), False),
}  # fmt: skip


def paired_training_steps(config, batch_size, repeats, variant, warmup=2):
    """CPU training steps of the package's network alternated with steps of ``variant``.

    ``variant`` is a key of ``VARIANTS``. Both sides start from the same weights and take
    the same batches. Returns ``eager_s`` and ``variant_s`` (wall seconds, one per pair),
    ``first_call_s`` (the variant's first step, compilation included), ``eager_flops``
    and, but for "compile", ``variant_flops``.
    """
    _, parts, loop_adam = VARIANTS[variant]
    _, eager = _training_setup(config, batch_size)
    network, other = _training_setup(config, batch_size, loop_adam=loop_adam, compiled=variant == "compile")
    original_structure(network, per_query_keys=variant == "original-sampling", parts=parts)
    first_call_s = _timed(other)
    result = {"eager_s": [], "variant_s": [], "first_call_s": first_call_s, "eager_flops": _count_flops(eager)}
    for _ in range(warmup):
        eager()
        other()
    for _ in range(repeats):
        result["eager_s"].append(_timed(eager))
        result["variant_s"].append(_timed(other))
    if variant != "compile":  # the counter cannot see into a compiled graph
        result["variant_flops"] = _count_flops(other)
    return result


def precision_comparison(config, batch_size, repeats, warmup=2):
    """fp32 and bf16 CPU training steps in turn, then both networks' forecasts of one batch.

    Both networks start from the same weights and take the same batches, one in fp32
    and one under bf16 autocast, as the forecaster's ``precision`` does.

    Returns
    -------
    dict
        ``fp32_s`` and ``bf16_s`` (wall seconds, one per pair), ``fp32_mse`` and
        ``bf16_mse`` (each network's MSE on a fixed batch) and ``forecast_mse``
        (between the two networks' forecasts).
    """
    cpu = torch.device("cpu")
    networks, steps = zip(*(_training_setup(config, batch_size) for _ in range(2)))

    def bf16_step():
        with autocast("bf16", cpu):
            steps[1]()

    for _ in range(warmup):
        steps[0]()
        bf16_step()
    pairs = [(_timed(steps[0]), _timed(bf16_step)) for _ in range(repeats)]
    *inputs, target = _batches(config, batch_size, cpu, n_batches=1, seed=1)[0]
    forecasts = {}
    with torch.inference_mode():
        for precision, network in zip(("fp32", "bf16"), networks):
            with autocast(precision, cpu):
                forecasts[precision] = network.eval()(*inputs).float()  # (B, pred_len, c_out)
    return {
        "fp32_s": [p[0] for p in pairs],
        "bf16_s": [p[1] for p in pairs],
        "fp32_mse": F.mse_loss(forecasts["fp32"], target).item(),
        "bf16_mse": F.mse_loss(forecasts["bf16"], target).item(),
        "forecast_mse": F.mse_loss(forecasts["bf16"], forecasts["fp32"]).item(),
    }


# -- accelerators --------------------------------------------------------------------


@contextlib.contextmanager
def tf32():
    """CUDA's fp32 matrix products in TF32 (10-bit mantissa inputs), restored after."""
    saved = torch.backends.cuda.matmul.fp32_precision
    torch.backends.cuda.matmul.fp32_precision = "tf32"
    try:
        yield
    finally:
        torch.backends.cuda.matmul.fp32_precision = saved


def device_steps(config, batch_size, device, precision="fp32", compiled=False, repeats=10, warmup=3):
    """Training steps on ``device`` in ``precision`` ("fp32", "tf32", "bf16"), eager or compiled.

    Returns
    -------
    dict
        ``step_s`` (wall seconds, one per step, the device's queue drained after each),
        ``first_call_s`` (the first step, compilation included), ``busy``: the device's
        kernel time per step (torch.profiler, CUDA only, else None) over the median step,
        and ``peak_bytes``: the device memory's peak (CUDA only, else None).
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    device = torch.device(device)
    _, plain_step = _training_setup(config, batch_size, device, compiled=compiled)

    def step():
        with tf32() if precision == "tf32" else autocast(precision, device):
            plain_step()

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    result = {"first_call_s": _timed(step, device)}
    for _ in range(warmup):
        step()
    result["step_s"] = [_timed(step, device) for _ in range(repeats)]
    result["busy"] = result["peak_bytes"] = None
    if device.type == "cuda":
        result["peak_bytes"] = torch.cuda.max_memory_allocated(device)
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            for _ in range(3):
                step()
            _sync(device)
        # kernels on one stream run one at a time: their summed time is the busy time
        kernel_us = sum(e.time_range.elapsed_us() for e in prof.events() if e.device_type == DeviceType.CUDA)
        result["busy"] = kernel_us / 1e6 / 3 / statistics.median(result["step_s"])
    return result


def _device_available(name):
    """None if torch can compute on device ``name``, else why not."""
    if name == "cuda" and not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA device (torch.cuda.is_available() is False)"
    if name == "mps" and not torch.backends.mps.is_available():
        return f"torch {torch.__version__} cannot use MPS (torch.backends.mps.is_available() is False)"
    return None


# -- predict latency and attention scaling -------------------------------------------


def predict_latency(config, repeats, batch_sizes=(1, 32)):
    """Latency of a fitted forecaster's ``predict`` and of its network's forward pass (CPU).

    The forecaster is fitted for one epoch on a synthetic hourly series: latency does not
    depend on the weights.
    """
    from informer_sk.forecaster import InformerForecaster

    n_rows = config.seq_len + config.pred_len + 31
    index = pd.date_range("2020-01-01", periods=n_rows, freq="h")
    y = pd.Series(np.sin(np.arange(n_rows) / 24 * 2 * np.pi), index=index, name="OT")
    forecaster = InformerForecaster(
        seq_len=config.seq_len, label_len=config.label_len, d_model=config.d_model,
        n_heads=config.n_heads, e_layers=config.e_layers, d_layers=config.d_layers,
        d_ff=config.d_ff, factor=config.factor, attn=config.attn, train_epochs=1,
        validation_size=0, random_state=0, device="cpu",
    )  # fmt: skip
    forecaster.fit(y, fh=np.arange(1, config.pred_len + 1))
    forecaster.predict()  # warm-up
    result = {"predict_s": [_timed(forecaster.predict) for _ in range(repeats)]}
    network = forecaster.network_.eval()
    for batch_size in batch_sizes:
        *inputs, _ = _batches(network.config, batch_size, "cpu", n_batches=1)[0]

        def forward():
            with torch.inference_mode():
                network(*inputs)

        forward()
        result[f"forward_{batch_size}_s"] = [_timed(forward) for _ in range(repeats)]
    return result


# -- the report ----------------------------------------------------------------------




def _median(values):
    return statistics.median(values)


def _spread(values, scale=1.0, digits=3):
    """``median [min, max]`` of ``values * scale``."""
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}g} [{min(v):.{digits}g}, {max(v):.{digits}g}]"


def _faster_by(pairs):
    """Per pair of :func:`paired_training_steps`: how many times faster the package's step is."""
    return [v / e for e, v in zip(pairs["eager_s"], pairs["variant_s"])]




def _report_training(config, batch_size, repeats):
    r = training_step(config, batch_size, repeats)
    print("\n## Training step (fp32, eager)\n")
    print(f"load average after: {load_average()}\n")
    print("| figure | median [min, max] |\n|---|---|")
    print(f"| parameters | {r['n_parameters'] / 1e6:.2f} M |")
    print(f"| FLOPs per step (FlopCounterMode) | {r['flops'] / 1e9:.2f} GFLOP |")
    print(f"| wall s/step | {_spread(r['step_s'])} |")
    print(f"| samples/s | {_spread([batch_size / s for s in r['step_s']])} |")
    print(f"| achieved GFLOP/s | {_spread([r['flops'] / s for s in r['step_s']], 1e-9)} |")
    shape = f"{batch_size * config.seq_len}x{config.d_model} @ {config.d_model}x{config.d_ff}"
    print(f"| fp32 matmul GFLOP/s ({shape}, in turn with the steps) | {_spread(r['matmul_flops_per_s'], 1e-9)} |")
    print(f"| achieved / matmul rate (per pair) | {_spread(r['fraction'])} |")
    return _median(r["matmul_flops_per_s"])


def _report_pairs(config, batch_size, repeats, variants, title, matmul_rate=None):
    """A table of paired steps; with ``matmul_rate`` (FLOP/s), also the most ours could be
    faster than each variant if its every FLOP ran at that rate."""
    print(f"\n## {title}\n")
    print(f"load average before: {load_average()}\n")
    print("| the other side | ours, s/step | other, s/step | other / ours FLOPs | ours faster, per pair |")
    print("|---|---|---|---|---|")
    bounds = []
    for variant in variants:
        r = paired_training_steps(config, batch_size, repeats, variant)
        flops = f"{r['variant_flops'] / r['eager_flops']:.3f}" if "variant_flops" in r else "-"
        print(f"| {VARIANTS[variant][0]} | {_spread(r['eager_s'])} | {_spread(r['variant_s'])} | {flops} | "
              f"**{_spread(_faster_by(r))}** |")  # fmt: skip
        if matmul_rate:
            ideal_s = r["eager_flops"] / matmul_rate
            bounds.append(f"{_median(r['variant_s']) / ideal_s:.2f}x {VARIANTS[variant][0]}")
    if bounds:
        print(f"\n- at most, were every FLOP of ours at the plain matmul's {matmul_rate / 1e9:.0f} GFLOP/s "
              f"({ideal_s:.3g} s a step): {'; '.join(bounds)}")  # fmt: skip
    print(f"\nload average after: {load_average()}")


def _report_precision(config, batch_size, repeats):
    r = precision_comparison(config, batch_size, repeats)
    flags = ", ".join(cpu_bf16_support()) or "none: bf16 is emulated, expect it slower"
    print("\n## bf16 autocast against fp32 (training steps paired, then one forecast batch)\n")
    print(f"- CPU bf16 support (avx512_bf16 / amx_bf16 / ARM bf16): {flags}; load average before: {load_average()}\n")
    print("| figure | fp32 | bf16 |\n|---|---|---|")
    print(f"| wall s/step | {_spread(r['fp32_s'])} | {_spread(r['bf16_s'])} |")
    print(f"| samples/s | {batch_size / _median(r['fp32_s']):.1f} | {batch_size / _median(r['bf16_s']):.1f} |")
    print(f"| forecast MSE on a fixed batch | {r['fp32_mse']:.5g} | {r['bf16_mse']:.5g} |")
    speedups = [f / b for f, b in zip(r["fp32_s"], r["bf16_s"])]
    print(f"\n- bf16 faster, per pair: {_spread(speedups)}; MSE between the two networks' forecasts: "
          f"{r['forecast_mse']:.3g}")  # fmt: skip


def _report_predict(config, repeats):
    r = predict_latency(config, repeats)
    print("\n## Predict latency (the fitted default network, eval mode)\n")
    print(f"load average before: {load_average()}\n")
    print("| call | ms, median [min, max] | forecasts/s |\n|---|---|---|")
    print(f"| `InformerForecaster.predict()`, one forecast | {_spread(r['predict_s'], 1e3)} | {1 / _median(r['predict_s']):.1f} |")
    for key in [k for k in r if k.startswith("forward_")]:
        n = int(key.split("_")[1])
        print(f"| network forward, batch {n} | {_spread(r[key], 1e3)} | {n / _median(r[key]):.1f} |")


def _report_device(config, batch_sizes, device, repeats):
    precisions = ("fp32", "tf32", "bf16") if device.type == "cuda" else ("fp32",)
    print(f"\n## Training steps on {device.type}\n")
    print("| batch | precision | compiled | s/step, median [min, max] | samples/s | device busy | "
          "peak MiB | first step s |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for compiled in (False, True):  # every eager row first: compiling takes the longest
        for batch_size in batch_sizes:
            for precision in precisions:
                r = device_steps(config, batch_size, device, precision, compiled, repeats)
                busy = "-" if r["busy"] is None else f"{r['busy']:.0%}"
                peak = "-" if r["peak_bytes"] is None else f"{r['peak_bytes'] / 2**20:.0f}"
                print(f"| {batch_size} | {precision} | {'yes' if compiled else 'no'} | {_spread(r['step_s'])} | "
                      f"{batch_size / _median(r['step_s']):.0f} | {busy} | {peak} | {r['first_call_s']:.1f} |")  # fmt: skip
    print("\nDevice busy: the kernels' time per step (torch.profiler) over the median step time.")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.speed",
        description="Speed of the Informer network on this machine (markdown tables).",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer repeats, no torch.compile: minutes")
    size.add_argument("--tiny", action="store_true", help="a tiny configuration: seconds (for tests)")
    parser.add_argument("--device", choices=("cpu", "cuda", "mps"), default="cpu",
                        help="cpu (default): the full CPU report; cuda or mps: training steps on the device")  # fmt: skip
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    unavailable = _device_available(args.device)
    if unavailable:
        parser.error(f"--device {args.device}: {unavailable}; run with --device cpu, or on a machine with one")
    config = paper_config(**TINY) if args.tiny else paper_config()
    repeats = 2 if args.tiny else 5 if args.quick else 15
    print("# informer_sk speed benchmark\n")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; bf16 flags: {', '.join(cpu_bf16_support()) or 'none'}")  # fmt: skip
    print(f"- load average (1, 5, 15 min) at start: {load_average()}")
    print(f"- configuration: {config}")
    device = torch.device(args.device)
    if device.type != "cpu":
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "Apple GPU (MPS)"
        print(f"- device: {name}")
        _report_device(config, (4, 8) if args.tiny else (32, 256), device, repeats)
        return
    batch_size = 4 if args.tiny else 32
    pairs = max(3, repeats // 3)
    matmul_rate = _report_training(config, batch_size, repeats)
    _report_pairs(config, batch_size, 2 * repeats, ("original", "original-sampling"),
                  f"Against the original code's layout, the same math (batch {batch_size}, fp32, paired)",
                  matmul_rate)  # fmt: skip
    _report_pairs(config, batch_size, repeats, ("torch-dropout", "sdpa-dropout", "loop-adam", "every-row"),
                  "What the network's speed choices buy (paired, each against the package's step)")  # fmt: skip
    small, small_batch = (config, 16) if args.tiny else (paper_config(**SMALL_NETWORK), 1024)
    _report_pairs(small, small_batch, repeats, ("torch-dropout", "sdpa-dropout"),
                  f"The same for a small network at a large batch (d_model {small.d_model}, batch {small_batch})")  # fmt: skip
    if cpu_bf16_support() or args.tiny:
        _report_precision(config, batch_size, pairs)
    else:  # emulated bf16 took 14x as long per step on an AMD EPYC: minutes, to learn it is slower
        print("\n- bf16 autocast: not measured, this CPU reports neither AVX-512 BF16 nor AMX (nor ARM BF16)")
    if not (args.quick or args.tiny):
        _report_pairs(config, batch_size, pairs, ("compile",), "torch.compile (paired with eager)")
    _report_predict(config, repeats)
    print(f"\nload average at end: {load_average()}")


if __name__ == "__main__":
    main()
