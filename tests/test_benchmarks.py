"""Smoke tests of the benchmark programs on tiny synthetic data."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.forecasting.naive import NaiveForecaster

from informer_sk.benchmarks import accuracy, calibration, speed
from informer_sk.forecaster import InformerForecaster

TINY = dict(seq_len=16, label_len=8, pred_len=4, d_model=16, n_heads=2, d_ff=32)


def _hourly_frame(n_rows, n_columns=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows)
    data = {f"c{i}": np.sin(2 * np.pi * t / 24 + i) + 0.1 * rng.standard_normal(n_rows) for i in range(n_columns)}
    return pd.DataFrame(data, index=pd.date_range("2020-01-01", periods=n_rows, freq="h"))


@pytest.mark.parametrize("strategy, sp", [("last", 1), ("last", 24)])
def test_naive_forecasts_match_sktime(strategy, sp):
    frame = _hourly_frame(200)
    values, seq_len, pred_len = frame.to_numpy(), 48, 30
    starts = np.array([0, 17, 100])
    last, seasonal = accuracy.naive_forecasts(values, starts, seq_len, pred_len, sp)
    ours = seasonal if sp > 1 else last
    for i, start in enumerate(starts):
        history = frame.iloc[: start + seq_len]
        expected = NaiveForecaster(strategy=strategy, sp=sp).fit(history, fh=np.arange(1, pred_len + 1)).predict()
        np.testing.assert_allclose(ours[i], expected.to_numpy())


def test_informer_windows_forecast_matches_predict():
    frame = _hourly_frame(120)
    n_fit, pred_len = 90, 4
    forecaster = InformerForecaster(
        **{k: v for k, v in TINY.items() if k != "pred_len"}, train_epochs=1, validation_size=0, random_state=0, device="cpu"
    )
    forecaster.fit(frame.iloc[:n_fit], fh=np.arange(1, pred_len + 1))
    expected = forecaster.predict().to_numpy()
    starts = np.array([n_fit - TINY["seq_len"], 3])
    batched = accuracy.informer_windows_forecast(forecaster, frame, starts, batch_size=1)
    np.testing.assert_allclose(batched[0], expected, rtol=1e-5, atol=1e-5)
    assert batched.shape == (2, pred_len, 2)
    assert not np.allclose(batched[1], batched[0])


def test_accuracy_run_scores_every_test_window():
    # daily data: the 12/4/4-month split is 360/480/600 rows and the season is one row
    n_rows = 620
    frame = _hourly_frame(n_rows, n_columns=2).set_axis(pd.date_range("2020-01-01", periods=n_rows, freq="D"))
    frame = frame.rename(columns={"c1": "OT"})
    params = {k: v for k, v in TINY.items() if k != "pred_len"}
    params.update(train_epochs=1, validation_size=0.25, device="cpu")
    rows = accuracy.run(frame, horizons=(4,), tasks=("S", "M"), informer_params=params, classic_stride=40)
    models = {(r["task"], r["model"]) for r in rows}
    assert len(models) == 8
    for r in rows:
        n = 120 - 4 + 1 if "Theta" not in r["model"] else math.ceil((120 - 4 + 1) / 40)
        assert r["n_windows"] == n, r
        assert np.isfinite(r["mse"]) and r["mae"] <= math.sqrt(r["mse"]) + 1e-12
    table = accuracy._table(rows, paper=True)
    assert "Informer, paper (ETTh2)" not in table  # no paper figure for horizon 4
    assert table.count("\n") == len(rows) + 1


def test_training_step_figures():
    config = speed.paper_config(**TINY)
    small = speed.training_step(config, batch_size=2, repeats=2, warmup=1)
    large = speed.training_step(config, batch_size=4, repeats=2, warmup=1)
    assert len(small["step_s"]) == 2 and min(small["step_s"]) > 0
    assert small["n_parameters"] == sum(p.numel() for p in speed.Informer(config).parameters())
    # the counted FLOPs are those of the batch: twice the windows, about twice the work
    assert 1.8 < large["flops"] / small["flops"] < 2.2
    assert all(f > 0 and math.isfinite(f) for f in small["fraction"])


def test_peak_growth_sees_a_large_allocation():
    growth = speed._peak_growth(_allocate, 64 * 2**20)
    assert growth >= 60 * 2**20


def _allocate(n_bytes):
    return lambda: torch.ones(n_bytes // 4).sum()


def test_attention_scaling_rows():
    rows = speed.attention_scaling((16, 32), d_model=16, n_heads=2, repeats=1, memory=False)
    assert [(r["kind"], r["length"]) for r in rows] == [("prob", 16), ("full", 16), ("prob", 32), ("full", 32)]
    assert all(r["seconds"] > 0 and r["peak_bytes"] is None for r in rows)


def test_growth_exponent_fits_the_upper_lengths():
    lengths = [96, 192, 384, 768, 1536]
    values = [5.0, 5.0, 1.0, 2.0, 4.0]  # flat overhead below 384, then linear
    assert speed.growth_exponent(lengths, values) == pytest.approx(1.0)
    assert speed.growth_exponent([96, 192], [1.0, 4.0]) == pytest.approx(2.0)  # fallback: all points


def test_cpu_bf16_support_reads_the_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name\t: X\nflags\t\t: fpu avx2 avx512_bf16 amx_tile\n")
    assert speed.cpu_bf16_support(cpuinfo) == ["avx512_bf16"]
    cpuinfo.write_text("flags\t\t: fpu avx2\n")
    assert speed.cpu_bf16_support(cpuinfo) == []


def test_speed_main_tiny(capsys):
    speed.main(["--tiny"])
    out = capsys.readouterr().out
    assert "| FLOPs per step" in out and "| network forward, batch 32" in out


def test_calibration_run_scores_every_model_on_tiny_data():
    # daily data: the 12/4/4-month split is 360/480/600 rows and the season is one row
    n_rows = 620
    frame = _hourly_frame(n_rows, n_columns=2).set_axis(pd.date_range("2020-01-01", periods=n_rows, freq="D"))
    frame = frame.rename(columns={"c1": "OT"})
    params = {k: v for k, v in TINY.items() if k != "pred_len"}
    params.update(train_epochs=1, validation_size=0.25, device="cpu")
    rows = calibration.run(frame, pred_len=4, informer_params=params, stride=40)
    assert len(rows) == 7
    n_all, n_strided = 120 - 4 + 1, math.ceil((120 - 4 + 1) / 40)
    for r in rows:
        assert r["n_windows"] == (n_all if "every" not in r["model"] else n_strided), r
        for key in ("coverage_50", "coverage_80", "coverage_95"):
            assert 0 <= r[key] <= 1
        assert r["coverage_50"] <= r["coverage_80"] <= r["coverage_95"]
        assert 0 < r["pinball"] and 0 < r["crps"] < np.inf
    assert calibration._table(rows).count("\n") == len(rows) + 1


def test_informer_windows_quantiles_match_predict_quantiles():
    frame = _hourly_frame(120)
    n_fit, pred_len, levels = 90, 4, [0.1, 0.3, 0.5, 0.9]
    for loss in ("quantile", "normal"):
        forecaster = InformerForecaster(
            **{k: v for k, v in TINY.items() if k != "pred_len"}, train_epochs=1, validation_size=0,
            random_state=0, device="cpu", loss=loss,
        )  # fmt: skip
        forecaster.fit(frame.iloc[:n_fit], fh=np.arange(1, pred_len + 1))
        expected = forecaster.predict_quantiles(alpha=levels).to_numpy().reshape(pred_len, 2, 4)
        starts = np.array([n_fit - TINY["seq_len"], 3])
        batched = calibration.informer_windows_quantiles(forecaster, frame, starts, levels, batch_size=1)
        assert batched.shape == (2, pred_len, 2, 4)
        np.testing.assert_allclose(batched[0], expected, rtol=1e-5, atol=1e-5)
