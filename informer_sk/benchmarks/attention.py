"""How one self-attention layer's time and memory grow with the input length (CPU).

``python -m informer_sk.benchmarks.attention [--quick | --tiny] [--plots DIR]``

One ProbSparse against one full self-attention layer (d_model 512, 8 heads, batch 1,
train mode), forward and backward, over lengths L = 96 ... 6144: the median time and
the peak memory of one call, and log-log growth exponents fitted over L >= 384.
ProbSparse attends with the top u = c ln L queries over U = c ln L sampled keys, so its
cost grows as L log L; full attention's as L squared. ``--plots DIR`` also draws both
(matplotlib, from the ``bench`` extra).

Peak memory is the growth of the peak resident set size (``VmHWM``) over one call in a
fresh process, so that nothing allocated before the call counts.
"""

__all__ = ["attention_scaling", "growth_exponent", "main", "plot_scaling"]

import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np
import torch

from informer_sk.benchmarks.machine import cpu_model, load_average
from informer_sk.nn import AttentionLayer, FullAttention, ProbSparseAttention

LENGTHS = (96, 192, 384, 768, 1536, 3072, 6144)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start




def _attention_call(kind, length, d_model, n_heads, batch_size, factor, dropout):
    torch.manual_seed(0)
    if kind == "prob":
        attention = ProbSparseAttention(causal=False, factor=factor, dropout=dropout)
    else:
        attention = FullAttention(causal=False, dropout=dropout)
    layer = AttentionLayer(attention, d_model, n_heads).train()
    x = torch.randn(batch_size, length, d_model, requires_grad=True)

    def forward_backward():
        layer(x, x, x)[0].sum().backward()

    return forward_backward


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
    with open("/proc/self/statm") as statm:
        before = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    fn()
    with open("/proc/self/status") as status:
        peak = int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) * 1024
    return peak - before


def _peak_growth(make_call, *args):
    """Peak memory of one call of ``make_call(*args)()``, measured in a fresh process."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_peak_growth_child, (torch.get_num_threads(), make_call, args))


def attention_scaling(
    lengths, d_model=512, n_heads=8, batch_size=1, repeats=3, factor=5, dropout=0.05, memory=True
):
    """Forward+backward time and peak memory of one self-attention layer per length (CPU).

    ``memory=False`` skips the fresh process per call that the memory figure needs.

    Returns
    -------
    list of dict
        One per (kind, length): ``kind``, ``length``, ``seconds`` (median), ``peak_bytes``
        (``None`` where not measured or where the call failed, e.g. out of memory).
    """
    rows = []
    for length in lengths:
        for kind in ("prob", "full"):
            args = (kind, length, d_model, n_heads, batch_size, factor, dropout)
            try:
                peak = _peak_growth(_attention_call, *args) if memory else None
                call = _attention_call(*args)
                call()  # warm-up
                seconds = statistics.median(_timed(call) for _ in range(repeats))
            except (RuntimeError, MemoryError):  # too large for this machine
                seconds = peak = None
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
    points = [(n, v) for n, v in zip(lengths, values) if v is not None and v > 0]
    upper = [(n, v) for n, v in points if n >= min_length]
    points = upper if len(upper) >= 2 else points
    if len(points) < 2:
        return float("nan")
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


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
            if points:
                lengths, values = zip(*points)
                label = f"{name} (exponent {growth_exponent(lengths, values):.2f})"
                ax.loglog(lengths, [v * scale for v in values], style, label=label)
        ax.set(xlabel="sequence length L", ylabel=ylabel)
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("One self-attention layer (d_model 512, 8 heads, batch 1)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _report(lengths, repeats, memory=True, d_model=512, n_heads=8):
    rows = attention_scaling(lengths, d_model=d_model, n_heads=n_heads, repeats=repeats, memory=memory)
    print(f"\n## One self-attention layer, forward+backward (d_model {d_model}, {n_heads} heads, batch 1, train mode)\n")
    print(f"load average before: {load_average()}\n")
    print("| L | ProbSparse ms | full ms | ProbSparse MiB | full MiB |\n|---|---|---|---|---|")
    by = {(r["kind"], r["length"]): r for r in rows}

    def fmt(value, scale):
        return "-" if value is None else f"{value * scale:.1f}"

    for n in lengths:
        p, f = by["prob", n], by["full", n]
        print(f"| {n} | {fmt(p['seconds'], 1e3)} | {fmt(f['seconds'], 1e3)} | "
              f"{fmt(p['peak_bytes'], 2**-20)} | {fmt(f['peak_bytes'], 2**-20)} |")  # fmt: skip
    print("\n| growth exponent (log-log fit, L >= 384) | time | memory |\n|---|---|---|")
    for kind, name in (("prob", "ProbSparse"), ("full", "full")):
        seconds = [by[kind, n]["seconds"] for n in lengths]
        peaks = [by[kind, n]["peak_bytes"] for n in lengths]
        print(f"| {name} | {growth_exponent(lengths, seconds):.2f} | {growth_exponent(lengths, peaks):.2f} |")
    return rows


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m informer_sk.benchmarks.attention",
        description="Time and peak memory of one self-attention layer against the input length.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="L <= 3072, 2 repeats: a few minutes")
    size.add_argument("--tiny", action="store_true", help="L = 16, 32, 64 on a tiny layer: seconds (for tests)")
    parser.add_argument("--plots", metavar="DIR", help="write the log-log plot (PNG) to DIR")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    print("# informer_sk attention scaling\n")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    if args.tiny:
        rows = _report((16, 32, 64), 1, memory=False, d_model=16, n_heads=2)
    else:
        rows = _report(LENGTHS[:6] if args.quick else LENGTHS, 2 if args.quick else 5)
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        print(f"\nplot: {plot_scaling(rows, os.path.join(args.plots, 'scaling.png'))}")


if __name__ == "__main__":
    main()
