"""Smoke tests of the benchmark programs on tiny synthetic data."""

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest
from sktime.forecasting.naive import NaiveForecaster

from informer_sk.benchmarks import accuracy, calibration, models
from informer_sk.forecaster import InformerForecaster

TINY = dict(seq_len=16, label_len=8, pred_len=4, d_model=16, n_heads=2, d_ff=32)


def _hourly_frame(n_rows, n_columns=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows)
    data = {f"c{i}": np.sin(2 * np.pi * t / 24 + i) + 0.1 * rng.standard_normal(n_rows) for i in range(n_columns)}
    return pd.DataFrame(data, index=pd.date_range("2020-01-01", periods=n_rows, freq="h"))


def _daily_frame(n_rows=620):
    # daily data: the 12/4/4-month split is 360/480/600 rows and the season is one row
    frame = _hourly_frame(n_rows, n_columns=2).set_axis(pd.date_range("2020-01-01", periods=n_rows, freq="D"))
    return frame.rename(columns={"c1": "OT"})


def _setting(frame, pred_len=4, seq_len=16, fit_end=480, **neural):
    neural = {**{k: v for k, v in TINY.items() if k != "pred_len"}, "train_epochs": 1, "device": "cpu", **neural}
    starts = np.arange(fit_end - seq_len, len(frame) - seq_len - pred_len + 1)
    return models.Setting(frame, 0, fit_end, 120, starts, seq_len, 8, pred_len, 1, 40, neural)


@pytest.mark.parametrize("strategy, sp", [("last", 1), ("last", 24)])
def test_naive_forecasts_match_sktime(strategy, sp):
    frame = _hourly_frame(200)
    values, seq_len, pred_len = frame.to_numpy(), 48, 30
    starts = np.array([0, 17, 100])
    last, seasonal = models.naive_forecasts(values, starts, seq_len, pred_len, sp)
    ours = seasonal if sp > 1 else last
    for i, start in enumerate(starts):
        history = frame.iloc[: start + seq_len]
        expected = NaiveForecaster(strategy=strategy, sp=sp).fit(history, fh=np.arange(1, pred_len + 1)).predict()
        np.testing.assert_allclose(ours[i], expected.to_numpy())


@pytest.mark.parametrize("periods", [1, 3])
def test_seasonal_means_match_sktimes_seasonal_mean(periods):
    frame = _hourly_frame(200, n_columns=1)
    values, seq_len, pred_len, sp = frame.to_numpy(), 72, 30, 24
    starts = np.array([0, 17, 100])
    ours = models.seasonal_means(values, starts, seq_len, pred_len, sp, periods)
    for i, start in enumerate(starts):
        history = frame.iloc[: start + seq_len]
        naive = NaiveForecaster(strategy="mean", sp=sp, window_length=periods * sp)
        np.testing.assert_allclose(ours[i], naive.fit(history, fh=np.arange(1, pred_len + 1)).predict().to_numpy())


@pytest.mark.parametrize("trend, fewest, most", [(0.0, 12, 16), (1.0, 1, 1)])
def test_seasonal_mean_model_picks_its_seasons_on_validation(caplog, trend, fewest, most):
    # white noise: the mean of (nearly) all 16 input steps is best; a steep trend: the last step
    rng = np.random.default_rng(0)
    values = rng.standard_normal(620) + trend * np.arange(620)
    frame = pd.DataFrame({"OT": values}, index=pd.date_range("2020-01-01", periods=620, freq="D"))
    setting = _setting(frame)
    with caplog.at_level("INFO", logger=models.__name__):
        result = models.MODELS["seasonal-mean"][0](setting, seed=0)
    periods = int(re.search(r"the last (\d+) seasons", caplog.text).group(1))
    assert fewest <= periods <= most
    expected = models.seasonal_means(values[:, None], setting.starts, 16, 4, 1, periods)
    np.testing.assert_allclose(result.values, expected)


def test_informer_windows_forecast_matches_predict():
    frame = _hourly_frame(120)
    n_fit, pred_len = 90, 4
    forecaster = InformerForecaster(
        **{k: v for k, v in TINY.items() if k != "pred_len"}, train_epochs=1, validation_size=0, random_state=0, device="cpu"
    )
    forecaster.fit(frame.iloc[:n_fit], fh=np.arange(1, pred_len + 1))
    expected = forecaster.predict().to_numpy()
    starts = np.array([3, n_fit - TINY["seq_len"]])
    batched = models.informer_windows_forecast(forecaster, frame, starts)
    np.testing.assert_allclose(batched[1], expected, rtol=1e-5, atol=1e-5)
    assert batched.shape == (2, pred_len, 2)
    assert not np.allclose(batched[1], batched[0])
    with pytest.raises(ValueError, match="evenly spaced"):
        models.informer_windows_forecast(forecaster, frame, np.array([3, 5, 9]))
    # starts counted for a shorter input: the same forecast origins
    shorter = models.informer_windows_forecast(forecaster, frame, starts + TINY["seq_len"] - 4, seq_len=4)
    np.testing.assert_array_equal(shorter, batched)


def test_weighted_candidates_may_read_other_input_lengths(monkeypatch):
    frame = _daily_frame()
    params = {k: v for k, v in TINY.items() if k not in ("pred_len", "seq_len")}
    candidates = ({}, {"seq_len": 32})
    rows = accuracy.run(frame, ["informer-prob"], horizons=(4,), tasks=("S",), stride=40,
                        informer_params={**params, "train_epochs": 1, "device": "cpu"}, seq_len=16,
                        label_len=8, informer_candidates=candidates, combine="weighted")  # fmt: skip
    (row,) = rows
    assert row["combined"] == 2 and np.isfinite(row["mse"])


def test_channel_independent_informer_forecasts_each_column_with_one_univariate_network():
    frame = _daily_frame()
    setting = _setting(frame)
    result = models.MODELS["informer-ci"][0](setting, seed=0)
    assert result.fitted.network_.config.enc_in == 1  # one network for both columns
    assert result.values.shape == (len(setting.starts), 4, 2)
    # the first test window starts from the fit's cutoff: the forecaster's own predict
    expected = result.fitted.predict()[list(frame.columns)].to_numpy()
    np.testing.assert_allclose(result.values[0], expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(result.values[..., 0], result.values[..., 1])


def test_accuracy_run_scores_every_test_window():
    pytest.importorskip("statsmodels")
    frame = _daily_frame()
    params = {k: v for k, v in TINY.items() if k not in ("pred_len", "seq_len")}
    params.update(train_epochs=1, device="cpu")
    names = ["naive", "seasonal-naive", "informer-prob", "theta"]
    rows = accuracy.run(frame, names, horizons=(4,), tasks=("S", "M"), informer_params=params, stride=40,
                        seeds=(0, 1), seq_len=16, label_len=8)  # fmt: skip
    # theta forecasts every 40th window: the naive forecasts follow, scored on those
    same = ["naive, same 3 windows", "seasonal-naive, same 3 windows"]
    assert [(r["task"], r["model"]) for r in rows] == [(t, n) for t in "SM" for n in names + same]
    for r in rows:
        n = 120 - 4 + 1 if r["model"] in names[:3] else math.ceil((120 - 4 + 1) / 40)
        assert r["n_windows"] == n, r
        assert r["n_seeds"] == (2 if r["model"] == "informer-prob" else 1)
        assert np.isfinite(r["mse"]) and r["mae"] <= math.sqrt(r["mse"]) + 1e-12
        if r["model"] in names:
            assert r["example"].shape == (4, 1 if r["task"] == "S" else 2)
    informer = rows[2]
    assert informer["mse_std"] > 0  # two seeds, two different networks
    assert np.isclose(rows[0]["mse"], rows[1]["mse"])  # daily data: the season is one row
    # the subsample's naive error is the full naive error restricted to windows 0, 40, 80
    z = (frame - frame.iloc[:360].mean()) / frame.iloc[:360].std(ddof=0)  # the protocol's scale
    values = z[["OT"]].to_numpy()[:600]
    starts = np.arange(480 - 16, 600 - 16 - 4 + 1)[::40]
    last, _ = models.naive_forecasts(values, starts, 16, 4, 1)
    truth = values[starts[:, None] + 16 + np.arange(4)]
    assert np.isclose(rows[4]["mse"], np.mean((last - truth) ** 2))
    table = accuracy.table(rows, paper=True)
    assert "Informer, paper (ETTh2)" not in table  # no paper figure for horizon 4
    assert table.count("\n") == len(rows) + 1
    assert "| S | 4 | informer-prob | " in table and " ± " in table


def test_informer_keeps_the_candidate_with_the_lowest_validation_loss():
    frame = _daily_frame()
    candidates = ({"learning_rate": 1e-6}, {"learning_rate": 1e-2, "revin": True})
    alone = [models.MODELS["informer-prob"][0](_setting(frame, **c), seed=0) for c in candidates]
    losses = [min(r["val_loss"] for r in a.fitted.history_) for a in alone]
    assert losses[0] != losses[1]
    best = int(np.argmin(losses))
    setting = dataclasses.replace(_setting(frame), candidates=candidates)
    result = models.MODELS["informer-prob"][0](setting, seed=0)
    assert result.chosen == best
    np.testing.assert_allclose(result.values, alone[best].values)
    assert result.fitted.get_params()["learning_rate"] == candidates[best]["learning_rate"]


def test_informer_mean_of_candidates_averages_their_forecasts():
    frame = _daily_frame()
    candidates = ({"learning_rate": 1e-6}, {"learning_rate": 1e-2, "revin": True})
    alone = [models.MODELS["informer-prob"][0](_setting(frame, **c), seed=0) for c in candidates]
    assert not np.allclose(alone[0].values, alone[1].values)
    setting = dataclasses.replace(_setting(frame), candidates=candidates, combine="mean")
    result = models.MODELS["informer-prob"][0](setting, seed=0)
    assert result.chosen is None and result.combined == 2
    np.testing.assert_allclose(result.values, (alone[0].values + alone[1].values) / 2)
    for member, one in zip(result.members, alone):
        np.testing.assert_allclose(member, one.values)


def test_informer_weighted_mean_of_candidates_fits_its_weights_on_the_validation_windows(monkeypatch):
    frame = _daily_frame()
    candidates = ({"learning_rate": 1e-6}, {"learning_rate": 1e-2, "revin": True})
    alone = [models.MODELS["informer-prob"][0](_setting(frame, **c), seed=0) for c in candidates]
    setting = dataclasses.replace(_setting(frame), candidates=candidates, combine="weighted")
    seen = []

    def spy(members, truth):
        seen.append((members, truth))
        return np.array([0.3, 0.7])

    monkeypatch.setattr(models, "simplex_weights", spy)
    result = models.MODELS["informer-prob"][0](setting, seed=0)
    np.testing.assert_allclose(result.values, 0.3 * alone[0].values + 0.7 * alone[1].values)
    assert result.chosen is None and result.combined == 2 and result.weights.tolist() == [0.3, 0.7]
    # fitted against the validation windows' targets: rows [360, 480), none of the test rows
    (members, truth), = seen
    starts = setting.validation_starts
    assert starts[0] + setting.seq_len == 480 - 120 and starts[-1] + setting.seq_len + setting.pred_len == 480
    np.testing.assert_array_equal(truth[:, :, 0], frame.to_numpy()[starts[:, None] + 16 + np.arange(4), 0])
    assert len(members) == 2 and members[0].shape == truth.shape


@pytest.mark.parametrize("true_weights", [(0.2, 0.5, 0.3), (0.0, 1.0, 0.0)])
def test_simplex_weights_recover_a_mix_of_three(true_weights):
    rng = np.random.default_rng(1)
    members = [rng.standard_normal((50, 4, 2)) for _ in range(3)]
    truth = sum(w * m for w, m in zip(true_weights, members))
    np.testing.assert_allclose(models.simplex_weights(members, truth), true_weights, atol=1e-4)


def test_accuracy_main_with_two_informer_settings_names_each_seeds_choice(tmp_path):
    frame = _hourly_frame(20 * 30 * 24 + 10).rename(columns={"c1": "OT"})
    path, out = tmp_path / "ETTh2.csv", tmp_path / "report.md"
    frame.rename_axis("date").to_csv(path)
    small = "d_model=8,n_heads=1,d_ff=8,e_layers=1,d_layers=1,train_epochs=1,batch_size=256"

    def report(*flags):
        accuracy.main([str(path), "--quick", "--models", "informer-prob", *flags,
                       "--informer", small + ",learning_rate=1e-6", "--informer", small + ",revin=True",
                       "--output", str(out)])  # fmt: skip
        return out.read_text()

    text = report("--seeds", "2")
    assert "Informer candidate 1, kept where its validation loss is lowest: {'d_model': 8" in text
    assert "'learning_rate': 1e-06}" in text and "Informer candidate 2" in text
    assert re.search(r"\| S \| 24 \| informer-prob, candidate [12]/[12] \| ", text)

    text = report("--seeds", "1", "--first-seed", "4")
    assert "seeds [4] for neural models" in text

    text = report("--combine", "mean")
    assert "Informer candidate 2, its forecast averaged with the others': {'d_model': 8" in text
    assert "| S | 24 | informer-prob, mean of 2 candidates | " in text

    text = report("--combine", "weighted")
    assert "weights fitted on the validation windows: {'d_model': 8" in text
    assert "| S | 24 | informer-prob, validation-weighted mean of 2 candidates | " in text


@pytest.mark.parametrize("combine", ["mean", "weighted"])
def test_accuracy_main_refuses_to_average_a_single_setting(tmp_path, combine):
    with pytest.raises(SystemExit, match=f"--combine {combine}: averages two or more settings"):
        accuracy.main([str(tmp_path / "ETTh2.csv"), "--combine", combine, "--informer", "revin=True"])


def _record_settings(monkeypatch):
    """Register a model "record" that forecasts zeros and keeps every setting it is given."""
    seen = []

    def record(setting, seed):
        seen.append(setting)
        return models.Forecasts(np.zeros((len(setting.starts), setting.pred_len, setting.data.shape[1])),
                                np.arange(len(setting.starts)), 0.0, 0.0)  # fmt: skip

    monkeypatch.setitem(models.MODELS, "record", (record, False, None, "records its setting"))
    return seen


def test_development_split_tests_on_the_papers_validation_months(monkeypatch):
    seen = _record_settings(monkeypatch)
    accuracy.run(_daily_frame(), ["record"], (4,), ("S",), {}, 40, seq_len=16, label_len=8, split="development")
    (setting,) = seen  # daily rows: a month is 30 rows; 8 train, 4 validate, 4 test
    assert (setting.fit_start, setting.fit_end, setting.n_val_rows) == (0, 360, 120)
    assert setting.starts[0] == 360 - 16 and setting.starts[-1] == 480 - 16 - 4
    assert len(setting.data) == 480  # the paper's test months are never read


def test_fit_months_fits_on_the_last_months_only(monkeypatch):
    seen = _record_settings(monkeypatch)
    accuracy.run(_daily_frame(), ["record"], (4,), ("S",), {}, 40, seq_len=16, label_len=8, fit_months=4)
    (setting,) = seen
    assert (setting.fit_start, setting.fit_end, setting.n_val_rows) == (360, 480, 30)
    assert setting.starts[0] == 480 - 16 and setting.starts[-1] == 600 - 16 - 4


@pytest.mark.parametrize("name", ["dlinear", "ltsf-transformer"])
def test_ltsf_batched_windows_match_their_predict(name):
    frame = _hourly_frame(160, n_columns=2)
    setting = _setting(frame, fit_end=120, pred_len=4)
    result = models.MODELS[name][0](setting, seed=0)
    assert result.values.shape == (len(setting.starts), 4, 2)
    # the first test window is the one that the fitted forecaster's own predict forecasts
    expected = result.fitted.predict().to_numpy()
    np.testing.assert_allclose(result.values[0], expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(result.values[1], result.values[0])
    again = models.MODELS[name][0](setting, seed=0)
    np.testing.assert_allclose(again.values, result.values)  # seeded


@pytest.mark.parametrize("name", ["autoets", "arima", "prophet"])
def test_per_window_models_run(name):
    pytest.importorskip(models.MODELS[name][2])
    frame = _hourly_frame(160, n_columns=1)
    setting = _setting(frame, fit_end=120, pred_len=4)
    result = models.MODELS[name][0](setting, seed=0)
    assert list(result.windows) == list(range(0, len(setting.starts), 40))
    assert result.values.shape == (len(result.windows), 4, 1) and np.isfinite(result.values).all()
    assert result.fit_s > 0


def test_neuralforecast_lstm_batched_windows_match_its_predict():
    pytest.importorskip("neuralforecast")
    frame = _hourly_frame(200, n_columns=1)
    setting = _setting(frame, fit_end=150, pred_len=4)
    result = models.MODELS["nf-lstm"][0](setting, seed=0)
    expected = result.fitted.predict().to_numpy()
    np.testing.assert_allclose(result.values[0], expected, rtol=1e-4, atol=1e-5)
    assert result.values.shape == (len(setting.starts), 4, 1)


def test_neuralforecast_informer_batched_windows_match_its_predict():
    pytest.importorskip("neuralforecast")
    frame = _hourly_frame(200, n_columns=2)
    setting = _setting(frame, fit_end=150, pred_len=4)
    result = models.MODELS["nf-informer"][0](setting, seed=0)
    assert result.values.shape == (len(setting.starts), 4, 2)
    own = result.fitted.predict().sort_values(["unique_id", "ds"])  # after each column's last fit row
    expected = own["Informer"].to_numpy().reshape(2, 4).T
    np.testing.assert_allclose(result.values[0], expected, rtol=1e-4, atol=1e-5)


def test_accuracy_main_writes_report_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    n_rows = 20 * 30 * 24 + 10
    frame = _hourly_frame(n_rows).rename(columns={"c1": "OT"})
    path = tmp_path / "ETTh2.csv"
    frame.rename_axis("date").to_csv(path)
    out, plots = tmp_path / "report.md", tmp_path / "plots"
    accuracy.main([str(path), "--models", "naive,seasonal-naive", "--horizons", "24,48", "--tasks", "S,M",
                   "--output", str(out), "--plots", str(plots)])  # fmt: skip
    text = out.read_text()
    assert "| S | 24 | seasonal-naive | " in text and "| M | 48 | naive | " in text
    assert "| S | 24 | Informer, paper (ETTh2) | 0.093 | 0.240 |" in text
    assert sorted(p.name for p in plots.iterdir()) == [
        "forecast_M.png", "forecast_S.png", "horizon_mse_M.png", "horizon_mse_S.png"
    ]  # fmt: skip


def test_accuracy_main_input_length_and_size_levers_reach_the_report(tmp_path):
    frame = _hourly_frame(20 * 30 * 24 + 10).rename(columns={"c1": "OT"})
    path, out = tmp_path / "ETTh2.csv", tmp_path / "report.md"
    frame.rename_axis("date").to_csv(path)
    accuracy.main([str(path), "--models", "naive", "--horizons", "24", "--tasks", "S", "--seq-len", "48",
                   "--size", "small", "--informer", "revin=True", "--output", str(out)])  # fmt: skip
    text = out.read_text()
    assert "seq_len 48, label_len 48" in text and "'d_model': 64" in text and "'revin': True" in text
    # the test windows are the same whatever the input length: every 24-step target in the test rows
    assert "| S | 24 | naive | " in text and f"| {4 * 30 * 24 - 24 + 1} |" in text


def test_accuracy_main_rejects_unknown_models(tmp_path):
    with pytest.raises(SystemExit, match="unknown"):
        accuracy.main([str(tmp_path / "x.csv"), "--models", "naive,nope"])


def test_pretrain_benchmark_compares_three_models_on_a_tiny_panel():
    from informer_sk.benchmarks import pretrain

    panel, held_out = pretrain.synthetic_panel(n_series=3, length=60, held_out_len=40)
    params = dict(seq_len=8, label_len=4, d_model=8, n_heads=2, d_ff=16, train_epochs=1,
                  batch_size=32, validation_size=0, device="cpu", random_state=0)  # fmt: skip
    table = pretrain.compare(panel, held_out, [1, 2], params, initial_window=24, step_length=8,
                             fine_tune_epochs=1)  # fmt: skip
    assert list(table.index) == ["zero-shot", "fine-tuned", "scratch"]
    assert (table["n_folds"] == 2).all() and np.isfinite(table["mae"]).all()


def test_ett_panel_cuts_the_training_months_into_column_months():
    from informer_sk.benchmarks import pretrain

    frame = _hourly_frame(13 * 30 * 24, n_columns=2).rename(columns={"c1": "OT"})
    panel, held_out = pretrain.ett_panel(frame, held_out_len=48)
    assert panel.index.get_level_values(0).nunique() == 2 * 12
    assert held_out.index[0] == frame.index[12 * 30 * 24] and len(held_out) == 48

def test_parallel_main_tiny_runs_every_backend_and_the_scores_agree(capsys):
    from informer_sk.benchmarks import parallel

    rows = parallel.main(["--tiny"])
    out = capsys.readouterr().out
    assert [r["label"] for r in rows] == [b["label"] for b in parallel.backends()]
    assert all(r["scores"].shape == (2, 2) for r in rows if "skipped" not in r)
    assert "scores agree with the sequential run: yes" in out
    assert out.count("\n| ") == 1 + len(rows)  # the header and one line per backend


def test_parallel_scores_agree_sees_a_difference():
    from informer_sk.benchmarks import parallel

    same = {"scores": np.ones((2, 2))}
    other = {"scores": np.array([[1.0, 1.0], [1.0, 1.01]])}
    assert parallel.scores_agree([same, dict(same), {"skipped": "no dask"}])
    assert not parallel.scores_agree([same, other])


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


def test_informer_windows_forecast_quantiles_match_predict_quantiles():
    frame = _hourly_frame(120)
    n_fit, pred_len, levels = 90, 4, [0.1, 0.3, 0.5, 0.9]
    for loss in ("quantile", "normal"):
        forecaster = InformerForecaster(
            **{k: v for k, v in TINY.items() if k != "pred_len"}, train_epochs=1, validation_size=0,
            random_state=0, device="cpu", loss=loss,
        )  # fmt: skip
        forecaster.fit(frame.iloc[:n_fit], fh=np.arange(1, pred_len + 1))
        expected = forecaster.predict_quantiles(alpha=levels).to_numpy().reshape(pred_len, 2, 4)
        starts = np.array([3, n_fit - TINY["seq_len"]])
        batched = models.informer_windows_forecast(forecaster, frame, starts, alpha=levels)
        assert batched.shape == (2, pred_len, 2, 4)
        np.testing.assert_allclose(batched[1], expected, rtol=1e-5, atol=1e-5)


def test_informer_overrides_parse_python_literals_and_refuse_junk():
    assert accuracy._overrides("revin=True, factor=3,lradj='constant'") == {
        "revin": True, "factor": 3, "lradj": "constant",
    }  # fmt: skip
    assert accuracy._overrides("") == {}
    with pytest.raises(SystemExit, match="NAME=VALUE"):
        accuracy._overrides("revin")


def test_accuracy_run_refuses_an_unknown_combination():
    with pytest.raises(ValueError, match=r"combine must be one of \('best', 'mean', 'weighted'\), got 'median'"):
        accuracy.run(_daily_frame(), ["naive"], (4,), ("S",), {}, 40, combine="median")
