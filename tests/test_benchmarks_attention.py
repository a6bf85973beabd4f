"""Tests of the attention-scaling program, ``informer_sk.benchmarks.attention``."""

import pytest
import torch

from informer_sk.benchmarks import attention


def test_peak_growth_sees_a_large_allocation():
    assert attention._peak_growth(_allocate, 64 * 2**20) >= 60 * 2**20


def _allocate(n_bytes):
    return lambda: torch.ones(n_bytes // 4).sum()


def test_attention_scaling_rows():
    rows = attention.attention_scaling((16, 32), d_model=16, n_heads=2, repeats=1, memory=False)
    assert [(r["kind"], r["length"]) for r in rows] == [("prob", 16), ("full", 16), ("prob", 32), ("full", 32)]
    assert all(r["seconds"] > 0 and r["peak_bytes"] is None for r in rows)


def test_growth_exponent_fits_the_upper_lengths():
    lengths = [96, 192, 384, 768, 1536]
    values = [5.0, 5.0, 1.0, 2.0, 4.0]  # flat overhead below 384, then linear
    assert attention.growth_exponent(lengths, values) == pytest.approx(1.0)
    assert attention.growth_exponent([96, 192], [1.0, 4.0]) == pytest.approx(2.0)  # fallback: all points


def test_scaling_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [
        {"kind": kind, "length": n, "seconds": n**k * 1e-6, "peak_bytes": None if n == 384 and kind == "full" else n**k}
        for kind, k in (("prob", 1.0), ("full", 2.0))
        for n in (96, 192, 384, 768)
    ]
    assert attention.plot_scaling(rows, tmp_path / "scaling.png").stat().st_size > 0


def test_main_tiny_prints_the_table_and_exponents(capsys):
    attention.main(["--tiny"])
    out = capsys.readouterr().out
    assert "| 64 | " in out and "| ProbSparse | " in out and "| full | " in out
