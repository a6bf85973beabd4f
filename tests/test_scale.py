"""The scale benchmark: its synthetic panels and its table, on tiny panels."""

import os

import pandas as pd

from informer_sk.benchmarks import scale


def test_synthetic_panels_differ_in_length_and_start_and_x_covers_each_horizon():
    y, X, X_future = scale.synthetic_panel(20, 100, n_exog=2, horizon=5)
    lengths = y.groupby(level="series").size()
    firsts = y.reset_index("time").groupby(level="series")["time"].first()
    assert lengths.between(91, 100).all() and lengths.nunique() > 1
    assert firsts.nunique() > 1
    assert X.index.equals(y.index) and list(X.columns) == ["x0", "x1"]
    lasts = y.reset_index("time").groupby(level="series")["time"].last()
    for key, part in X_future.groupby(level="series"):
        times = part.index.get_level_values("time")
        expected = pd.date_range(lasts[key] + pd.Timedelta(hours=1), periods=5, freq="h")
        assert (times == expected).all()


def test_tiny_run_prints_one_table_with_an_exponent_per_panel_kind(capsys):
    results = scale.main(["--tiny", "--threads", "1"])
    out = capsys.readouterr().out
    assert len(results) == 4  # two sizes, univariate and with exogenous columns
    for r in results:
        for stage in (*scale.STAGES, "recomputed"):
            assert r[f"{stage}_s"] > 0 and r[f"{stage}_peak"] >= 0
        assert r["windows"] > 0 and r["raw_bytes"] > 0 and r["model_bytes"] > 0
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 4 + 2 + 1  # header, rule, rows, exponents, targets
    assert sum(line.startswith("| exponent") for line in table) == 2
    # raw data grows exactly with the series, in proportion to the rows drawn
    rows = {(r["series"], r["exog"]): r["raw_bytes"] for r in results}
    assert rows[(16, 2)] > rows[(16, 0)] > rows[(4, 0)]


def test_tuned_malloc_runs_every_configuration_in_a_fresh_process_with_the_tunables(capsys, monkeypatch):
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    results = scale.main(["--tiny", "--threads", "1", "--series", "4", "--malloc", "both"])
    out = capsys.readouterr().out
    assert [r["glibc_tunables"] for r in results] == [None, None, scale.TUNED_MALLOC, scale.TUNED_MALLOC]
    assert out.count("## malloc") == 2 and out.count("| series | exog |") == 2  # a table for each
    assert not any(line.startswith("| exponent |") for line in out.splitlines())  # one size: no slope
    assert f"GLIBC_TUNABLES={scale.TUNED_MALLOC}" in out
    assert "GLIBC_TUNABLES" not in os.environ  # the caller's environment is left as it was


def test_table_exponents_are_the_log_log_slopes():
    rows = [
        {"series": n, "exog": 0, "raw_bytes": 8 * n, "model_bytes": 0, "windows": n,
         "prepare_s": 0.1 * n, "prepare_peak": 16 * n, "train_s": 1.0, "step_s": 0.5,
         "epoch_s": 0.5 * n, "train_peak": 1, "predict_s": 0.01 * n**2, "predict_peak": 8 * n,
         "recomputed_step_s": 0.6, "recomputed_peak": 30 * n}
        for n in (10, 100, 1000)
    ]  # fmt: skip
    table = scale.table(rows).splitlines()
    exponents = next(line for line in table if line.startswith("| exponent")).split("|")[3:-2]
    exponents = [float(e) for e in exponents if e.strip()]
    assert exponents == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 1.0]
    cells = table[2].split("|")
    assert cells[11].strip() == f"{16 * 10 / (3 * 8 * 10):.2f}"  # worst peak over 3x the raw data
    assert cells[-2].strip() == f"{30 * 10 / (3 * 8 * 10):.2f}"  # recomputed: its own worst
