"""Speed and memory of the Informer network on this machine, as markdown tables.

``python -m informer_sk.benchmarks.speed [--quick | --tiny]`` measures, on the CPU:

1. a training step (batch gather, forward, MSE, backward, Adam) at the paper's default
   configuration (seq_len 96, label_len 48, pred_len 24, d_model 512, 8 heads, 2 encoder
   and 1 decoder layers, d_ff 2048, batch 32, one channel, the 4 hourly calendar fields):
   wall and CPU seconds per step, samples/s, FLOPs per step (counted by
   ``torch.utils.flop_counter.FlopCounterMode``), the achieved FLOP rate beside the rate of
   a plain fp32 ``torch.matmul`` timed in turn with the steps, and peak memory; then the
   same steps paired with the original code's layout of the same network and math
   (:func:`original_structure`): the speed ratio the goal asks for, on this CPU;
2. predict latency: ``InformerForecaster.predict`` for one forecast, and the fitted
   network's forward pass for a batch of 1 and of 32 windows;
3. one ProbSparse vs one full self-attention layer, forward+backward, over lengths
   L = 96 ... 6144: time and peak memory, with log-log growth exponents;
4. where a training step's time goes: torch.profiler's self time per operator, summed
   into matrix products, random draws, copies, softmax and the rest;
5. this package's dropout and fused Adam against ``torch.nn.Dropout`` and the per-tensor
   ``torch.optim.Adam``, glibc's malloc defaults against :func:`retain_freed_memory`
   (fresh processes, alternating), bf16 autocast (only where the CPU has AVX-512 bf16 or AMX:
   detected, not assumed) and ``torch.compile`` (full run only), each paired step by
   step against eager fp32;
6. thread settings and the data path: a step on one thread against the default, and
   the seconds to assemble a batch, as this package gathers it from the series tensor and
   as the original code's data loader slices and stacks the windows, beside the step.

``--plots DIR`` also writes the scaling figures as a log-log plot, ``DIR/scaling.png``
(needs matplotlib, in the ``bench`` extra).

``--compiled`` runs only ``torch.compile``'d steps (the network's forward; the dropout
masks stay numpy's, drawn by a custom operator, so the graph does not break) paired
with eager steps and the reference matmul, then the compiled step's profile and what
the goal of 80% of the matmul rate leaves for the work beside the matrix products.

``--precision`` runs only a comparison of ``precision="fp32"`` and ``"bf16"`` as the
forecaster runs them (:func:`informer_sk.training.autocast`), on any CPU: step time
and samples/s of each, paired step by step, and the forecasts' MSE on a fixed batch
after both networks took the same training steps from the same initial weights.

The machine is shared, so every timing is a median over steps that alternate with their
comparison (matmul, or the other variant), and the load average is printed beside it.
Peak memory on the CPU is the growth of the peak resident set size (``VmHWM``) over
one first call in a fresh process, so it includes allocator and library overheads.
"""

__all__ = [
    "attention_scaling",
    "cpu_bf16_support",
    "data_path",
    "growth_exponent",
    "main",
    "matmul_replay",
    "original_structure",
    "paper_config",
    "plot_scaling",
    "precision_comparison",
    "predict_latency",
    "retain_freed_memory",
    "step_profile",
    "training_step",
]

import argparse
import ctypes
import itertools
import math
import multiprocessing
import os
import platform
import resource
import statistics
import time
import types

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from informer_sk.nn import AttentionLayer, FullAttention, Informer, InformerConfig, ProbSparseAttention
from informer_sk.nn.informer import Decoder, DistilLayer, FeedForward
from informer_sk.nn.dropout import Dropout
from informer_sk.training import adam, autocast, cpu_bf16_support, torch_threads
from informer_sk.windows import SeriesTensors, Windows

# hourly data: hour, day of week, day of month, day of year (informer_sk.calendar)
HOURLY_MARK_SIZES = (24, 7, 31, 366)
# the figure for the original code's training step, on the 2-core machine of the
# time (an AMD EPYC): a CPU-bound constant, so the program also pairs every run with
# :func:`original_structure`, the same reference measured on this machine
ORIGINAL_SECONDS_PER_STEP = 2.2
LENGTHS = (96, 192, 384, 768, 1536, 3072, 6144)


def paper_config(**overrides):
    """The paper's default univariate configuration as an :class:`InformerConfig`."""
    config = dict(enc_in=1, dec_in=1, c_out=1, mark_sizes=HOURLY_MARK_SIZES)
    return InformerConfig(**{**config, **overrides})


def _synthetic_windows(config, n_windows, seed=0):
    """Windows over a random series long enough for ``n_windows`` training windows."""
    g = torch.Generator().manual_seed(seed)
    n_rows = n_windows + config.seq_len + config.pred_len - 1
    values = torch.randn(n_rows, config.enc_in, generator=g)
    marks = torch.stack([torch.randint(size, (n_rows,), generator=g) for size in config.mark_sizes], -1)
    series = SeriesTensors(values, marks.reshape(n_rows, len(config.mark_sizes)), config.c_out)
    return Windows(series, torch.arange(n_windows), config.seq_len, config.label_len, config.pred_len)


def _train_step(network, optimizer, windows, idx):
    """One step as ``informer_sk.training`` takes it: gather, forward, backward, Adam."""
    x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(idx)
    loss = F.mse_loss(network(x_enc, mark_enc, x_dec, mark_dec), target)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _timed(fn):
    """Wall and CPU (all threads) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _count_flops(fn):
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


class _MatmulCalls(TorchDispatchMode):
    """Records the shape and strides of every matrix product's operands (backward included)."""

    OPS = {torch.ops.aten.mm.default: 0, torch.ops.aten.addmm.default: 1, torch.ops.aten.bmm.default: 0}

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in self.OPS:
            first = self.OPS[func]  # where the two matrices start: addmm begins with the bias
            layout = [(a.shape, a.stride(), a.dtype) if isinstance(a, torch.Tensor) else a for a in args]
            self.calls.append((func, layout, first))
        return func(*args, **(kwargs or {}))


def _random_strided(shape, stride, dtype):
    """Random values viewed with ``shape`` and ``stride`` (zero strides allowed: expanded)."""
    extent = 1 + sum((n - 1) * st for n, st in zip(shape, stride)) if all(shape) else 0
    return torch.randn(extent, dtype=dtype).as_strided(shape, stride)


def matmul_replay(step):
    """The matrix products of one call of ``step``, to be run alone on random operands.

    Every mm, addmm and bmm of the step (forward and backward) is recorded with the
    shapes and strides of its operands; the returned function runs each once on random
    operands of that layout: what a step made of nothing but its own matrix products
    would take.

    Returns
    -------
    replay : callable
        Runs the recorded products, returns nothing.
    flops : int
        Their FLOPs (2 m k n each).
    """
    with _MatmulCalls() as recorder:
        step()
    calls, flops = [], 0
    for func, layout, first in recorder.calls:
        args = [_random_strided(*a) if isinstance(a, tuple) else a for a in layout]
        a, b = layout[first][0], layout[first + 1][0]
        flops += 2 * math.prod(a) * b[-1]  # (..., m, k) @ (..., k, n)
        calls.append((func, args))

    def replay():
        for func, args in calls:
            func(*args)

    return replay, flops


def _training_setup(config, batch_size, seed=0, loop_adam=False):
    torch.manual_seed(seed)
    network = Informer(config).train()
    if loop_adam:  # torch's default: one small kernel per parameter tensor and operation
        optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    else:
        optimizer = adam(network.parameters(), 1e-4, "cpu")
    windows = _synthetic_windows(config, 4 * batch_size, seed)
    batches = itertools.cycle(torch.randperm(len(windows)).split(batch_size))

    def step():
        _train_step(network, optimizer, windows, next(batches))

    return network, step


def _reference_matmul(config, batch_size, step_flops):
    """The goal's yardstick: fp32 ``torch.matmul`` of the feed-forward's shape, (B * seq_len,
    d_model) @ (d_model, d_ff), repeated for about a quarter of a step's FLOPs.

    Returns the function and the FLOPs of one call.
    """
    a = torch.randn(batch_size * config.seq_len, config.d_model)
    b = torch.randn(config.d_model, config.d_ff)
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
    n = max(1, round(step_flops / flops / 4))

    def matmul():
        for _ in range(n):
            torch.matmul(a, b)

    return matmul, n * flops


def training_step(config, batch_size, repeats, warmup=2, autocast_bf16=False):
    """Time training steps alternately with an fp32 matmul of the feed-forward's shape.

    Returns
    -------
    dict
        ``n_parameters``, ``flops`` (per step), ``step_s`` and ``cpu_s`` (per step, one
        entry per repeat), ``matmul_flops_per_s`` (one per repeat) and ``fraction``: the
        step's FLOP rate over the matmul rate of the same pair, one per repeat; then
        ``own_matmul_flops_per_s`` and ``own_fraction``: the same against the step's own
        matrix products run alone (:func:`matmul_replay`), over ``repeats`` further pairs.
    """
    network, step = _training_setup(config, batch_size)
    if autocast_bf16:
        fp32_step = step

        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                fp32_step()

    flops = _count_flops(step)
    matmul, matmul_flops = _reference_matmul(config, batch_size, flops)
    for _ in range(warmup):
        step()
        matmul()
    result = {"n_parameters": sum(p.numel() for p in network.parameters()), "flops": flops}
    result.update(step_s=[], cpu_s=[], matmul_flops_per_s=[], fraction=[])
    for _ in range(repeats):
        wall, cpu = _timed(step)
        matmul_wall, _ = _timed(matmul)
        rate = matmul_flops / matmul_wall
        result["step_s"].append(wall)
        result["cpu_s"].append(cpu)
        result["matmul_flops_per_s"].append(rate)
        result["fraction"].append(flops / wall / rate)
    # the same, against the step's own matrix products run alone (same shapes and strides)
    replay, replay_flops = matmul_replay(step)
    replay()
    result.update(own_matmul_flops_per_s=[], own_fraction=[])
    for _ in range(repeats):
        wall, _ = _timed(step)
        replay_wall, _ = _timed(replay)
        rate = replay_flops / replay_wall
        result["own_matmul_flops_per_s"].append(rate)
        result["own_fraction"].append(flops / wall / rate)
    return result


# operator groups of step_profile; every other operator counts as "other"
PROFILE_GROUPS = {
    "matrix products (mm, addmm, bmm)": ("aten::mm", "aten::addmm", "aten::bmm"),
    "attention softmax (forward, backward)": ("aten::_softmax", "aten::_softmax_backward_data"),
    "torch random draws (key samples; dropout in torch's variants)": ("aten::uniform_", "aten::bernoulli_", "aten::random_", "aten::randint"),
    "copies (copy_, cat, clone)": ("aten::copy_", "aten::cat", "aten::clone"),
    "convolution (value embedding)": ("aten::mkldnn_convolution", "aten::convolution_backward"),
}  # fmt: skip
OUTSIDE = "outside torch operators (Python; in eager, numpy's random bits for dropout)"
# what a compiled step adds: inductor's generated kernels, and the dropout masks'
# custom operator (numpy's bits in eager run outside any operator)
COMPILED_GROUPS = {
    "compiled kernels (the fused elementwise work: GELU, LayerNorm, softmax, dropout, residuals)": ("## Call CompiledFxGraph",),
    "dropout masks (informer_sk::keep_mask, numpy's bits)": ("informer_sk::keep_mask",),
    "fused Adam": ("aten::_fused_adam_",),
}  # fmt: skip


def step_profile(config, batch_size, steps=2, warmup=2, compiled=False):
    """Self time per operator group over ``steps`` training steps, under torch.profiler.

    Returns
    -------
    dict
        ``{group: seconds per step}`` for the groups of ``PROFILE_GROUPS``, ``"other
        operators"`` and ``OUTSIDE``: the rest of the step's wall time (Python, and
        numpy drawing the dropout masks' random bits). The profiler's own overhead
        lands mostly in the last two. ``compiled=True`` profiles the step with
        ``network.forward`` compiled and adds the groups of ``COMPILED_GROUPS``.
    """
    from torch.profiler import ProfilerActivity, profile

    network, step = _training_setup(config, batch_size)
    groups = PROFILE_GROUPS
    if compiled:
        network.forward = torch.compile(network.forward)
        groups = {**PROFILE_GROUPS, **COMPILED_GROUPS}
    for _ in range(warmup):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        wall = time.perf_counter()
        for _ in range(steps):
            step()
        wall = (time.perf_counter() - wall) / steps
    seconds = dict.fromkeys([*groups, "other operators"], 0.0)
    for event in prof.key_averages():
        group = next((g for g, ops in groups.items() if event.key.startswith(ops)), "other operators")
        seconds[group] += event.self_cpu_time_total / 1e6 / steps
    seconds[OUTSIDE] = max(0.0, wall - sum(seconds.values()))
    return seconds


def _with_torch_dropout(network):
    """Swap the network's dropout modules for ``torch.nn.Dropout`` (Bernoulli masks)."""
    for module in list(network.modules()):
        for name, child in module.named_children():
            if isinstance(child, Dropout):
                setattr(module, name, torch.nn.Dropout(child.p, child.inplace))
    return network


def _separate_projections(self, queries, keys, values):
    return self.query_projection(queries), self.key_projection(keys), self.value_projection(values)


def _decode_every_row(self, x, memory, n_outputs=None, return_attention=False):
    return Decoder.forward(self, x, memory, None, return_attention)


def _conv_feed_forward(self, x):
    y = x.transpose(1, 2)  # (B, d_model, L)
    y = self.activation_dropout(self.activation(F.conv1d(y, self.linear1.weight.unsqueeze(-1), self.linear1.bias)))
    return self.dropout(F.conv1d(y, self.linear2.weight.unsqueeze(-1), self.linear2.bias)).transpose(1, 2)


def _transposed_distil(self, x):
    return self.pool(self.activation(self.norm(self.conv(x.transpose(1, 2))))).transpose(1, 2)


def _per_query_sparsity(self, q, k, n_sampled_keys):
    """The original's sampling: U keys drawn for each query (the same draw for every
    batch element and head), gathered as a (B, H, L_Q, U, D) copy of the keys."""
    B, H, L_Q, D = q.shape
    L_K = k.size(2)
    sample = torch.randint(L_K, (L_Q, n_sampled_keys), device=k.device)  # (L_Q, U)
    rows = torch.arange(L_Q, device=k.device).unsqueeze(1)  # (L_Q, 1)
    k_sample = k.unsqueeze(2).expand(B, H, L_Q, L_K, D)[:, :, rows, sample]  # (B, H, L_Q, U, D)
    scores = (q.unsqueeze(-2) @ k_sample.transpose(-2, -1)).squeeze(-2) / math.sqrt(D)  # (B, H, L_Q, U)
    return scores.amax(dim=-1) - scores.mean(dim=-1)


def original_structure(network, per_query_keys=False):
    """Undo this package's speed changes on ``network``, in place: the reference step.

    The same parameters and the same math, laid out as the original code lays it out:
    separate query, key and value projections; every decoder row through the last
    layer (the horizon is sliced after the final projection); the feed-forward as
    kernel-1 ``Conv1d`` and distilling as ``Conv1d`` on the (B, d_model, L) transpose;
    ``torch.nn.Dropout`` out of place. Train it with ``torch.optim.Adam``'s per-tensor
    loop. The embeddings stay this package's, and so does ProbSparse's sampling unless
    ``per_query_keys``: the original draws U keys per query (a (B, H, L_Q, U, D)
    gather) where this package draws U keys per head, so without it a speed ratio
    against this reference understates the one against the original code; with it the
    query selection draws its samples differently (the same estimator per query).
    """
    for module in network.modules():
        if per_query_keys and isinstance(module, ProbSparseAttention):
            module._sparsity = types.MethodType(_per_query_sparsity, module)
        if isinstance(module, AttentionLayer):
            module._project = types.MethodType(_separate_projections, module)
        elif isinstance(module, Decoder):
            module.forward = types.MethodType(_decode_every_row, module)
        elif isinstance(module, FeedForward):
            module.forward = types.MethodType(_conv_feed_forward, module)
        elif isinstance(module, DistilLayer):
            module.forward = types.MethodType(_transposed_distil, module)
    for module in list(network.modules()):
        for name, child in module.named_children():
            if isinstance(child, Dropout):
                setattr(module, name, torch.nn.Dropout(child.p))
    return network


def paired_training_steps(config, batch_size, repeats, variant, warmup=2, matmul=False):
    """Eager fp32 steps alternated with steps of ``variant``.

    ``variant`` is "compile", "bf16", "torch-dropout" (``torch.nn.Dropout`` in place of
    :class:`informer_sk.nn.dropout.Dropout`), "loop-adam" (``torch.optim.Adam``'s
    per-tensor loop instead of the fused kernel), "one-thread" (the same step on one
    torch thread), "original" (:func:`original_structure` with the per-tensor Adam) or
    "original-sampling" (the same with the original's per-query key samples). Returns
    the per-pair wall seconds of both, the seconds the variant's first call took
    (compilation included) and the FLOPs of a step of each. ``matmul=True`` times the
    reference matmul after each pair too (``matmul_flops_per_s``, one per pair).
    """
    _, eager = _training_setup(config, batch_size)
    network, other = _training_setup(
        config, batch_size, loop_adam=variant in ("loop-adam", "original", "original-sampling")
    )
    if variant in ("original", "original-sampling"):
        original_structure(network, per_query_keys=variant == "original-sampling")
    elif variant == "torch-dropout":
        _with_torch_dropout(network)
    elif variant == "compile":
        network.forward = torch.compile(network.forward)
    elif variant == "bf16":
        fp32_step = other

        def other():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                fp32_step()

    elif variant == "one-thread":
        threaded_step = other

        def other():
            with torch_threads(1):
                threaded_step()

    first_call_s, _ = _timed(other)
    eager_flops = _count_flops(eager)
    if matmul:
        reference, reference_flops = _reference_matmul(config, batch_size, eager_flops)
    for _ in range(warmup):
        eager()
        other()
    result = {"eager_s": [], "variant_s": [], "first_call_s": first_call_s, "eager_flops": eager_flops}
    for _ in range(repeats):
        result["eager_s"].append(_timed(eager)[0])
        result["variant_s"].append(_timed(other)[0])
        if matmul:
            result.setdefault("matmul_flops_per_s", []).append(reference_flops / _timed(reference)[0])
    if variant != "compile":  # the counter cannot trace a compiled graph's products
        result.update(variant_flops=_count_flops(other))
    return result


def data_path(config, batch_size, repeats, n_windows=2048, seed=0):
    """Seconds to assemble one training batch, two ways, beside the step it feeds.

    ``gather``: :meth:`informer_sk.windows.Windows.batch`, one index gather per tensor
    from the series kept whole (contiguous outputs). ``collate``: the original code's
    way, a map-style dataset's windows sliced out of numpy arrays one by one and stacked
    as torch's default collate does, then the decoder input built from zeros and a cat.
    Both give the same tensors. Returns per-repeat seconds of each (a fresh random batch
    of windows each time) and of a training step.
    """
    windows = _synthetic_windows(config, n_windows, seed)
    values, marks = windows.series.values.numpy(), windows.series.marks.numpy()
    seq_len, label_len, pred_len = config.seq_len, config.label_len, config.pred_len
    g = torch.Generator().manual_seed(seed)

    def collate(idx):
        items = []
        for s in windows.starts[idx].tolist():
            r_begin = s + seq_len - label_len
            r_end = r_begin + label_len + pred_len
            items.append((values[s : s + seq_len], values[r_begin:r_end], marks[s : s + seq_len], marks[r_begin:r_end]))
        x_enc, y, mark_enc, mark_dec = (torch.stack([torch.from_numpy(a) for a in column]) for column in zip(*items))
        x_dec = torch.cat([y[:, :label_len], torch.zeros_like(y[:, label_len:])], dim=1)
        return x_enc, mark_enc, x_dec, mark_dec, y[:, label_len:]

    result = {"gather_s": [], "collate_s": [], "step_s": []}
    for _ in range(repeats):
        idx = torch.randperm(n_windows, generator=g)[:batch_size]
        result["gather_s"].append(_timed(lambda: windows.batch(idx))[0])
        result["collate_s"].append(_timed(lambda: collate(idx))[0])
    _, step = _training_setup(config, batch_size, seed)
    step()
    result["step_s"] = [_timed(step)[0] for _ in range(repeats)]
    result["same_tensors"] = all(torch.equal(a, b) for a, b in zip(windows.batch(idx), collate(idx)))
    return result


def precision_comparison(config, batch_size, repeats, warmup=2):
    """fp32 and bf16 training steps in turn, then both networks' forecasts of one batch.

    Both networks start from the same weights and take the same batches, one in fp32
    and one under bf16 autocast, as the forecaster's ``precision`` does. The timed
    steps are training too, so the forecasts compare after ``warmup + repeats`` steps.

    Returns
    -------
    dict
        ``fp32_s`` and ``bf16_s`` (wall seconds per step, one per pair), ``fp32_mse``
        and ``bf16_mse`` (each network's MSE against the fixed batch's targets, in
        its own precision), ``forecast_mse`` (between the two networks' forecasts)
        and ``bf16_flags`` (:func:`cpu_bf16_support`).
    """
    cpu = torch.device("cpu")
    fp32_network, fp32_step = _training_setup(config, batch_size)
    bf16_network, plain_step = _training_setup(config, batch_size)

    def bf16_step():
        with autocast("bf16", cpu):
            plain_step()

    for _ in range(warmup):
        fp32_step()
        bf16_step()
    pairs = [(_timed(fp32_step)[0], _timed(bf16_step)[0]) for _ in range(repeats)]
    batch = _synthetic_windows(config, batch_size, seed=1).batch(torch.arange(batch_size))
    inputs, target = batch[:4], batch[4]
    forecasts = {}
    with torch.inference_mode():
        for precision, network in (("fp32", fp32_network), ("bf16", bf16_network)):
            with autocast(precision, cpu):
                forecasts[precision] = network.eval()(*inputs).float()  # (B, pred_len, c_out)
    return {
        "fp32_s": [p[0] for p in pairs],
        "bf16_s": [p[1] for p in pairs],
        "fp32_mse": F.mse_loss(forecasts["fp32"], target).item(),
        "bf16_mse": F.mse_loss(forecasts["bf16"], target).item(),
        "forecast_mse": F.mse_loss(forecasts["bf16"], forecasts["fp32"]).item(),
        "bf16_flags": cpu_bf16_support(),
    }


def predict_latency(config, repeats, batch_sizes=(1, 32)):
    """Latency of a fitted forecaster's ``predict`` and of its network's forward pass.

    The forecaster is fitted for one step on a synthetic hourly series: latency does not
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
    result = {"predict_s": [_timed(forecaster.predict)[0] for _ in range(repeats)]}
    network = forecaster.network_.eval()
    windows = _synthetic_windows(forecaster.network_.config, max(batch_sizes))
    threads = torch.get_num_threads()
    # under load, waking a second thread for each small op can cost more than the op
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        for batch_size in batch_sizes:
            inputs = windows.batch(torch.arange(batch_size))[:4]

            def forward():
                with torch.inference_mode():
                    network(*inputs)

            forward()
            result[f"forward_{batch_size}_{n_threads}_s"] = [_timed(forward)[0] for _ in range(repeats)]
    torch.set_num_threads(threads)
    return result


def _attention_layer(kind, d_model, n_heads, factor, dropout):
    if kind == "prob":
        attention = ProbSparseAttention(causal=False, factor=factor, dropout=dropout)
    else:
        attention = FullAttention(causal=False, dropout=dropout)
    return AttentionLayer(attention, d_model, n_heads).train()


def _attention_call(kind, length, d_model, n_heads, batch_size, factor, dropout):
    torch.manual_seed(0)
    layer = _attention_layer(kind, d_model, n_heads, factor, dropout)
    x = torch.randn(batch_size, length, d_model, requires_grad=True)

    def forward_backward():
        out, _ = layer(x, x, x)
        out.sum().backward()

    return forward_backward


def _current_rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _peak_growth_child(threads, make_call, args):
    """In a fresh process: bytes the peak RSS grows by during one call.

    ``ru_maxrss`` would not do: Linux carries it across ``execve``, so a spawned child
    starts with its parent's peak. Writing 5 to ``/proc/self/clear_refs`` resets the
    kernel's peak (``VmHWM``) to the current RSS instead.
    """
    torch.set_num_threads(threads)
    fn = make_call(*args)
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    before = _current_rss()
    fn()
    return _peak_rss() - before


def _peak_growth(make_call, *args):
    """Peak memory of one call of ``make_call(*args)()``, measured in a fresh process."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_peak_growth_child, (torch.get_num_threads(), make_call, args))


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def retain_freed_memory(max_block=32 * 2**20, trim_threshold=2**30):
    """Keep freed memory in this process (glibc only); whether it applied.

    glibc's malloc returns large freed blocks and the top of its heap to the kernel, so
    each training step faults the same pages in again. This serves blocks up to
    ``max_block`` bytes (glibc's limit, 32 MiB) from the heap and trims the heap only
    beyond ``trim_threshold`` bytes of free memory, as jemalloc or tcmalloc would. It is
    process-wide and permanent, so the package does not do it: it is measured here
    (:func:`allocator_comparison`) and did not make the step measurably faster.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, max_block)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )


def _steps_child(threads, config, batch_size, steps, retain):
    """In a fresh process: ``steps`` training-step times and the page faults per step."""
    torch.set_num_threads(threads)
    if retain:
        retain_freed_memory()
    _, step = _training_setup(config, batch_size)
    for _ in range(2):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    times = [_timed(step)[0] for _ in range(steps)]
    return times, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps


def allocator_comparison(config, batch_size, pairs, steps):
    """Training steps with glibc's defaults and with :func:`retain_freed_memory`.

    The setting is process-wide, so each side runs in its own fresh process, the two
    alternating ``pairs`` times; each process takes ``steps`` steps after two warm-up
    steps.

    Returns
    -------
    dict
        ``default_s``, ``retain_s``: the median step of each process;
        ``default_faults``, ``retain_faults``: its minor page faults per step.
    """
    context = multiprocessing.get_context("spawn")
    result = {"default_s": [], "retain_s": [], "default_faults": [], "retain_faults": []}
    with context.Pool(1, maxtasksperchild=1) as pool:
        for _ in range(pairs):
            for side, retain in (("default", False), ("retain", True)):
                args = (torch.get_num_threads(), config, batch_size, steps, retain)
                times, faults = pool.apply(_steps_child, args)
                result[f"{side}_s"].append(_median(times))
                result[f"{side}_faults"].append(faults)
    return result


def _training_call(config, batch_size):
    return _training_setup(config, batch_size)[1]


def attention_scaling(
    lengths, d_model=512, n_heads=8, batch_size=1, repeats=3, factor=5, dropout=0.05, memory=True
):
    """Forward+backward time and peak memory of one self-attention layer per length.

    ``memory=False`` skips the fresh process per call that the memory figure needs.

    Returns
    -------
    list of dict
        One per (kind, length): ``kind``, ``length``, ``seconds`` (median), ``peak_bytes``
        (``None`` where the call failed, e.g. out of memory).
    """
    rows = []
    for length in lengths:
        for kind in ("prob", "full"):
            args = (kind, length, d_model, n_heads, batch_size, factor, dropout)
            try:
                peak = _peak_growth(_attention_call, *args) if memory else None
                call = _attention_call(*args)
                call()  # warm-up
                seconds = statistics.median(_timed(call)[0] for _ in range(repeats))
            except (RuntimeError, MemoryError) as error:  # too large for this machine
                rows.append({"kind": kind, "length": length, "seconds": None, "peak_bytes": None, "error": str(error)[:80]})
                continue
            rows.append({"kind": kind, "length": length, "seconds": seconds, "peak_bytes": peak})
    return rows


def growth_exponent(lengths, values, min_length=384):
    """Slope of log(value) against log(length), fitted over lengths >= ``min_length``.

    Falls back to every point when fewer than 2 reach ``min_length``.

    Examples
    --------
    >>> round(growth_exponent([100, 200, 400, 800], [1, 4, 16, 64]), 6)
    2.0
    """
    points = [(l, v) for l, v in zip(lengths, values) if v is not None and v > 0]
    upper = [(l, v) for l, v in points if l >= min_length]
    points = upper if len(upper) >= 2 else points
    if len(points) < 2:
        return float("nan")
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def _load():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _median(values):
    return statistics.median(values)


def _spread(values, scale=1.0, digits=3):
    """``median [min, max]`` of ``values * scale``."""
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}g} [{min(v):.{digits}g}, {max(v):.{digits}g}]"


def _eager_faster_by(pairs):
    """Per pair of :func:`paired_training_steps`: the variant's seconds over eager's."""
    return [v / e for e, v in zip(pairs["eager_s"], pairs["variant_s"])]


def _variant_faster_by(pairs):
    """Per pair of :func:`paired_training_steps`: eager's seconds over the variant's."""
    return [1 / ratio for ratio in _eager_faster_by(pairs)]


def _report_training(config, batch_size, repeats):
    r = training_step(config, batch_size, repeats)
    step = _median(r["step_s"])
    peak = _peak_growth(_training_call, config, batch_size)
    print("\n## Training step (fp32, eager)\n")
    print(f"load average before: {_load()}\n")
    print("| figure | median [min, max] |\n|---|---|")
    print(f"| parameters | {r['n_parameters'] / 1e6:.2f} M |")
    print(f"| FLOPs per step (FlopCounterMode) | {r['flops'] / 1e9:.1f} GFLOP |")
    print(f"| wall s/step | {_spread(r['step_s'])} |")
    print(f"| CPU s/step (all threads) | {_spread(r['cpu_s'])} |")
    print(f"| samples/s | {_spread([batch_size / s for s in r['step_s']])} |")
    print(f"| achieved GFLOP/s | {_spread([r['flops'] / s for s in r['step_s']], 1e-9)} |")
    print(f"| fp32 matmul GFLOP/s ({batch_size * config.seq_len}x{config.d_model} @ {config.d_model}x{config.d_ff}) | {_spread(r['matmul_flops_per_s'], 1e-9)} |")
    print(f"| achieved / matmul rate (per pair) | {_spread(r['fraction'])} |")
    print(f"| the step's own matrix products run alone (same shapes and strides), GFLOP/s | {_spread(r['own_matmul_flops_per_s'], 1e-9)} |")
    print(f"| achieved / own matrix products' rate (per pair, further steps) | {_spread(r['own_fraction'])} |")
    print(f"| peak RSS growth, first step in a fresh process | {peak / 2**20:.0f} MiB |")
    # the goal's reference measured here: the same network laid out as the original
    ref = paired_training_steps(config, batch_size, 2 * repeats, "original")  # the goal's figure: more pairs
    matmul_rate = _median(r["matmul_flops_per_s"])
    print(f"| the original's layout (`original_structure`, per-tensor Adam), wall s/step, paired | {_spread(ref['variant_s'])} |")
    print(f"| ours in the same pairs, wall s/step | {_spread(ref['eager_s'])} |")
    print(f"| FLOPs per step, the original's layout | {ref['variant_flops'] / 1e9:.1f} GFLOP |")
    print(f"| the original's layout: achieved / this run's median matmul rate | "
          f"{_spread([ref['variant_flops'] / s / matmul_rate for s in ref['variant_s']])} |")  # fmt: skip
    ratios = _eager_faster_by(ref)
    print(f"| **speed vs the original's layout, per pair** | **{_spread(ratios)}** |")
    sampled = paired_training_steps(config, batch_size, repeats, "original-sampling")
    ratios = _eager_faster_by(sampled)
    print(f"| the same with the original's per-query key samples: wall s/step, paired | {_spread(sampled['variant_s'])} |")
    print(f"| speed vs the original's layout and sampling, per pair | {_spread(ratios)} |")
    print(f"| speed vs the issue's {ORIGINAL_SECONDS_PER_STEP} s/step (the original code on the issue's machine) | "
          f"{ORIGINAL_SECONDS_PER_STEP / step:.2f}x |")  # fmt: skip
    print(f"\nload average after: {_load()}")


def _report_profile(config, batch_size):
    seconds = step_profile(config, batch_size)
    total = sum(seconds.values())
    print("\n## Where a training step's time goes (torch.profiler, self time, 2 steps)\n")
    print(f"load average before: {_load()}\n")
    print("| operators | s/step | share |\n|---|---|---|")
    for group, value in seconds.items():
        print(f"| {group} | {value:.3f} | {value / total:.0%} |")
    print(f"| wall time (the profiler's overhead included) | {total:.3f} | 100% |")


def _report_predict(config, repeats):
    r = predict_latency(config, repeats)
    print("\n## Predict latency (fitted default model, eval mode)\n")
    print(f"load average before: {_load()}\n")
    print("| call | ms, median [min, max] | forecasts/s |\n|---|---|---|")
    print(f"| `InformerForecaster.predict()`, one forecast | {_spread(r['predict_s'], 1e3)} | {1 / _median(r['predict_s']):.1f} |")
    for key in [k for k in r if k.startswith("forward_")]:
        _, n, threads, _ = key.split("_")
        print(f"| network forward, batch {n}, {threads} thread(s) | {_spread(r[key], 1e3)} | {int(n) / _median(r[key]):.1f} |")


def _report_scaling(lengths, repeats):
    rows = attention_scaling(lengths, repeats=repeats)
    print("\n## Self-attention layer, forward+backward (d_model 512, 8 heads, batch 1, dropout 0.05, train mode)\n")
    print(f"load average before: {_load()}\n")
    print("| L | ProbSparse ms | full ms | ProbSparse MiB | full MiB | memory prob/full |\n|---|---|---|---|---|---|")
    by = {(r["kind"], r["length"]): r for r in rows}

    def fmt(value, scale):
        return "failed" if value is None else f"{value * scale:.1f}"

    for length in lengths:
        p, f = by["prob", length], by["full", length]
        ratio = "-" if None in (p["peak_bytes"], f["peak_bytes"]) else f"{p['peak_bytes'] / f['peak_bytes']:.3f}"
        print(f"| {length} | {fmt(p['seconds'], 1e3)} | {fmt(f['seconds'], 1e3)} | "
              f"{fmt(p['peak_bytes'], 2**-20)} | {fmt(f['peak_bytes'], 2**-20)} | {ratio} |")  # fmt: skip
    print("\n| growth exponent (log-log fit, L >= 384) | time | memory |\n|---|---|---|")
    for kind, name in (("prob", "ProbSparse"), ("full", "full")):
        seconds = [by[kind, length]["seconds"] for length in lengths]
        peaks = [by[kind, length]["peak_bytes"] for length in lengths]
        print(f"| {name} | {growth_exponent(lengths, seconds):.2f} | {growth_exponent(lengths, peaks):.2f} |")
    return rows


def plot_scaling(rows, path):
    """Log-log plot of ``attention_scaling``'s rows, time and memory, exponents in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    panels = ((axes[0], "seconds", 1e3, "forward + backward, ms"), (axes[1], "peak_bytes", 2**-20, "peak memory growth, MiB"))
    for ax, key, scale, ylabel in panels:
        for kind, name, style in (("prob", "ProbSparse", "o-"), ("full", "full", "s--")):
            points = [(r["length"], r[key]) for r in rows if r["kind"] == kind and r[key] is not None]
            if not points:
                continue
            lengths, values = zip(*points)
            slope = growth_exponent(lengths, values)
            ax.loglog(lengths, [v * scale for v in values], style, label=f"{name} (exponent {slope:.2f})")
        ax.set(xlabel="sequence length L", ylabel=ylabel)
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("One self-attention layer (d_model 512, 8 heads, batch 1)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _report_variants(config, batch_size, repeats, run_compile, allocator_pairs):
    print("\n## Dropout masks, Adam, the allocator, bf16 autocast and torch.compile (paired with eager fp32)\n")
    # what this package does against torch's defaults: ratio > 1 means ours is faster
    for variant, ours, theirs in (
        ("torch-dropout", "dropout masks from numpy's SFC64 bits", "torch.nn.Dropout (Bernoulli draws)"),
        ("loop-adam", "fused Adam", "torch.optim.Adam's per-tensor loop"),
    ):
        r = paired_training_steps(config, batch_size, repeats, variant)
        ratios = _eager_faster_by(r)
        print(f"- {ours}: {_spread(r['eager_s'])} s/step; {theirs}: {_spread(r['variant_s'])} s/step; "
              f"ours faster by {_spread(ratios)} per pair (load {_load()})")  # fmt: skip
    r = allocator_comparison(config, batch_size, pairs=allocator_pairs, steps=repeats)
    ratios = [d / k for d, k in zip(r["default_s"], r["retain_s"])]
    print(f"- glibc's malloc defaults: {_spread(r['default_s'])} s/step, {_spread(r['default_faults'])} "
          f"page faults/step; `retain_freed_memory()`: {_spread(r['retain_s'])} s/step, "
          f"{_spread(r['retain_faults'])} page faults/step; faster by {_spread(ratios)} per pair "
          f"of processes (load {_load()})")  # fmt: skip
    flags = cpu_bf16_support()
    variants = []
    if flags:
        variants.append("bf16")
    else:
        print("- bf16 autocast: not measured, the CPU reports neither avx512_bf16 nor amx_bf16.")
    if run_compile:
        variants.append("compile")
    else:
        print("- torch.compile: not measured in --quick (compilation takes minutes here).")
    for variant in variants:
        r = paired_training_steps(config, batch_size, repeats, variant)
        ratios = _variant_faster_by(r)
        print(f"- {variant}: eager {_spread(r['eager_s'])} s/step, {variant} "
              f"{_spread(r['variant_s'])} s/step, speed-up per pair {_spread(ratios)}, "
              f"first call {r['first_call_s']:.1f} s (load {_load()})")  # fmt: skip


def _report_compiled(config, batch_size, repeats):
    """The compiled step against eager and the matmul rate, where its time goes, and
    what that leaves of the 80% goal on this CPU."""
    r = paired_training_steps(config, batch_size, repeats, "compile", matmul=True)
    flops, rates = r["eager_flops"], r["matmul_flops_per_s"]
    print("\n## torch.compile: the step with its elementwise work fused, against the matmul rate\n")
    print(f"load average after the pairs: {_load()}\n")
    print("| figure | median [min, max] |\n|---|---|")
    print(f"| eager wall s/step | {_spread(r['eager_s'])} |")
    print(f"| compiled (`network.forward`, default mode) wall s/step | {_spread(r['variant_s'])} |")
    print(f"| compiled faster, per pair | {_spread(_variant_faster_by(r))} |")
    print(f"| first compiled call (compilation), s | {r['first_call_s']:.1f} |")
    print(f"| fp32 matmul GFLOP/s (same pairs) | {_spread(rates, 1e-9)} |")
    for name, key in (("eager", "eager_s"), ("compiled", "variant_s")):
        print(f"| {name}: achieved / matmul rate (per pair) | {_spread([flops / s / m for s, m in zip(r[key], rates)])} |")
    seconds = step_profile(config, batch_size, compiled=True)
    rate = _median(rates)
    print("\nWhere the compiled step's time goes (torch.profiler, self time, 2 steps):\n")
    print("| operators | s/step |\n|---|---|")
    for group, value in seconds.items():
        print(f"| {group} | {value:.3f} |")
    products = seconds["matrix products (mm, addmm, bmm)"]
    kernels_group, _, adam_group = COMPILED_GROUPS
    kernels, adam_s = seconds[kernels_group], seconds[adam_group]
    share = (kernels + adam_s) / products
    print(f"\n- during the profile the products ran at {flops / products / 1e9:.0f} GFLOP/s, {flops / products / rate:.3f} "
          f"of the pairs' median matmul rate")
    print(f"- the compiled elementwise kernels and Adam took {share:.1%} of the products' time in the same steps: a step "
          f"of nothing else (no dropout draws, no Python, no copies), its products at the full matmul rate, would "
          f"reach at most 1 / (1 + {share:.3f}) = **{1 / (1 + share):.3f}** of the matmul rate (80% needs that share "
          f"at most 25%)\n")  # fmt: skip


def _report_threads_and_data(config, batch_size, repeats):
    print("\n## Thread settings and the data path\n")
    r = paired_training_steps(config, batch_size, repeats, "one-thread")
    ratios = _eager_faster_by(r)
    print(f"- {torch.get_num_threads()} threads: {_spread(r['eager_s'])} s/step; 1 thread: "
          f"{_spread(r['variant_s'])} s/step; the default faster by {_spread(ratios)} per pair "
          f"(load {_load()})")  # fmt: skip
    r = data_path(config, batch_size, max(repeats, 10))
    step = _median(r["step_s"])
    for key, what in (("gather", "`Windows.batch`, one gather from the series tensor"),
                      ("collate", "the original's per-window numpy slices, stacked")):  # fmt: skip
        share = _median(r[f"{key}_s"]) / step
        print(f"- batch of {batch_size}, {what}: {_spread(r[f'{key}_s'], 1e3)} ms, {share:.2%} of a step")
    print(f"- the two give the same tensors: {r['same_tensors']}; training step {_spread(r['step_s'])} s")


def _report_precision(config, batch_size, repeats):
    r = precision_comparison(config, batch_size, repeats)
    flags = ", ".join(r["bf16_flags"]) or "none: bf16 is emulated, expect it slower"
    print("\n## precision: fp32 vs bf16 autocast (training steps paired, one forecast batch)\n")
    print(f"- CPU bf16 support (avx512_bf16 / amx_bf16 / ARM bf16): {flags}")
    print(f"- load average before: {_load()}\n")
    print("| figure | fp32 | bf16 |\n|---|---|---|")
    print(f"| wall s/step, median [min, max] | {_spread(r['fp32_s'])} | {_spread(r['bf16_s'])} |")
    print(f"| samples/s | {batch_size / _median(r['fp32_s']):.1f} | {batch_size / _median(r['bf16_s']):.1f} |")
    print(f"| forecast MSE on a fixed batch | {r['fp32_mse']:.5g} | {r['bf16_mse']:.5g} |")
    speedups = [f / b for f, b in zip(r["fp32_s"], r["bf16_s"])]
    print(f"\n- bf16 speed-up per pair: {_spread(speedups)}")
    print(f"- MSE between the fp32 and bf16 forecasts: {r['forecast_mse']:.3g}")
    print(f"- load average after: {_load()}")
    return r


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.speed",
        description="Speed and memory of the Informer network on this machine (markdown tables).",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer repeats, L <= 3072, no torch.compile: minutes")
    size.add_argument("--tiny", action="store_true", help="a tiny configuration, for CI: seconds")
    parser.add_argument("--plots", metavar="DIR", help="write the attention-scaling log-log plot (PNG) to DIR")
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--precision", action="store_true",
        help="only compare precision='fp32' and 'bf16': step time, samples/s, forecast MSE",
    )  # fmt: skip
    only.add_argument(
        "--compiled", action="store_true",
        help="only the torch.compile'd step: against eager and the matmul rate, its profile, the 80%% goal's ceiling",
    )  # fmt: skip
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.tiny:
        config = paper_config(seq_len=16, label_len=8, pred_len=4, d_model=16, n_heads=2, d_ff=32)
        batch_size, repeats, lengths, scaling_repeats = 4, 2, (16, 32, 64), 1
    else:
        config, batch_size = paper_config(), 32
        repeats, lengths, scaling_repeats = (5, LENGTHS[:6], 2) if args.quick else (15, LENGTHS, 5)
    print("# informer_sk speed benchmark\n")
    print(f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; bf16 flags: {', '.join(cpu_bf16_support()) or 'none'}")  # fmt: skip
    print(f"- load average (1, 5, 15 min) at start: {_load()}")
    print(f"- configuration: {config}, batch {batch_size}")
    if args.precision:
        _report_precision(config, batch_size, repeats)
        return
    if args.compiled:
        _report_compiled(config, batch_size, max(3, repeats))
        return
    _report_training(config, batch_size, repeats)
    _report_profile(config, batch_size)
    _report_predict(config, repeats)
    if args.tiny:
        rows = attention_scaling(lengths, d_model=16, n_heads=2, repeats=scaling_repeats, memory=False)
        print(f"\nscaling rows: {len(rows)}")
    else:
        rows = _report_scaling(lengths, scaling_repeats)
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        print(f"\nplot: {plot_scaling(rows, os.path.join(args.plots, 'scaling.png'))}")
    allocator_pairs = 1 if args.tiny else 3 if args.quick else 5
    _report_variants(config, batch_size, max(3, repeats // 3), not (args.quick or args.tiny), allocator_pairs)
    _report_threads_and_data(config, batch_size, max(3, repeats // 3))
    print(f"\nload average at end: {_load()}")


if __name__ == "__main__":
    main()
