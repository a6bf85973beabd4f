"""Tests for the main job, run through ``cli.main`` on a small synthetic CSV."""

import argparse

import numpy as np
import pandas as pd
import pytest
import torch

from informer_sk import cli

N_ROWS = 300
PRED_LEN = 6
# a model small enough to train in a second or two
TINY = [
    "--seq_len", "24", "--label_len", "12", "--pred_len", str(PRED_LEN),
    "--d_model", "16", "--n_heads", "2", "--d_ff", "32", "--train_epochs", "1",
]  # fmt: skip
MODELS = ["Informer", "Naive (last)", "Seasonal naive (last, sp=24)"]


def _frame(n_rows):
    """Hourly daily-cycle sines with noise: two covariates and a target ``load``."""
    rng = np.random.default_rng(0)
    t = np.arange(n_rows)
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=n_rows, freq="h"),
            "temp": np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n_rows),
            "sun": np.cos(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n_rows),
            "load": 5 + np.sin(2 * np.pi * (t - 2) / 24)
            + 0.1 * rng.standard_normal(n_rows),
        }
    )


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "hourly.csv"
    _frame(N_ROWS).to_csv(path, index=False)
    return path


def _read_forecast(path):
    return pd.read_csv(path, index_col=0, parse_dates=True)


def _future_index(last, n=PRED_LEN):
    return pd.date_range(last + pd.Timedelta(hours=1), periods=n, freq="h")


@pytest.mark.parametrize(
    ("features", "columns"),
    [("S", ["load"]), ("M", ["temp", "sun", "load"])],
)
def test_main_writes_future_forecast(csv_path, tmp_path, capsys, features, columns):
    output = tmp_path / "forecast.csv"
    argv = ["--data", str(csv_path), "--features", features, "--output", str(output)]
    assert cli.main(argv + TINY) == 0

    forecast = _read_forecast(output)
    assert list(forecast.columns) == columns
    assert forecast.index.name == "date"
    last = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=N_ROWS - 1)
    assert forecast.index.equals(_future_index(last))
    assert np.isfinite(forecast.to_numpy()).all()

    printed = capsys.readouterr().out
    for model in MODELS:
        assert model in printed
    assert "Best" in printed
    # default split, the original's for custom data: 70% train, 10% validate, 20% test
    assert "Fit on rows [0, 240) (30 of them for early stopping)" in printed
    assert "test on rows [240, 300): 10 forecasts of 6 steps" in printed
    assert str(output) in printed


def test_main_ms_uses_known_future_covariates(tmp_path, capsys):
    frame = _frame(N_ROWS)
    frame.loc[N_ROWS - PRED_LEN :, "load"] = np.nan  # the future: covariates only
    path = tmp_path / "ms.csv"
    frame.to_csv(path, index=False)
    output = tmp_path / "forecast.csv"
    argv = ["--data", str(path), "--features", "MS", "--target", "load"]
    assert cli.main(argv + ["--output", str(output)] + TINY) == 0

    forecast = _read_forecast(output)
    assert list(forecast.columns) == ["load"]
    last_known = frame["date"].iloc[N_ROWS - PRED_LEN - 1]
    assert forecast.index.equals(_future_index(last_known))
    printed = capsys.readouterr().out
    for model in MODELS:
        assert model in printed
    assert "from ['temp', 'sun']" in printed


def test_main_ms_without_future_covariates_writes_nothing(csv_path, tmp_path, capsys):
    output = tmp_path / "forecast.csv"
    argv = ["--data", str(csv_path), "--features", "MS", "--output", str(output)]
    assert cli.main(argv + TINY) == 0
    assert not output.exists()
    printed = capsys.readouterr().out
    for model in MODELS:
        assert model in printed
    assert "--features MS needs the covariates' values" in printed
    assert "Nothing written" in printed


def _exit_message(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_main_missing_target_column(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path), "--target", "nope"] + TINY)
    assert "--target 'nope' is not a numeric column" in err
    assert "['temp', 'sun', 'load']" in err


def test_main_missing_date_column(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path), "--date-col", "when"] + TINY)
    assert "date_col='when' is not a column" in err


def test_main_missing_data_file(tmp_path, capsys):
    with pytest.raises(FileNotFoundError):
        cli.main(["--data", str(tmp_path / "absent.csv")] + TINY)


def test_main_missing_values_in_target(tmp_path, capsys):
    frame = _frame(N_ROWS)
    frame.loc[10, "load"] = np.nan
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    err = _exit_message(capsys, ["--data", str(path)] + TINY)
    assert "missing values in forecast column(s) {'load': 1}" in err


@pytest.mark.parametrize("test_size", ["0", "0.9", "1.5"])
def test_main_test_size_out_of_range(csv_path, capsys, test_size):
    err = _exit_message(capsys, ["--data", str(csv_path), "--test-size", test_size])
    assert "--test-size must be in (0, 0.9)" in err


def test_main_sets_torch_threads(csv_path, capsys):
    torch.set_num_threads(2)
    try:
        # a bad target stops the job after the threads are set, before training
        _exit_message(capsys, ["--data", str(csv_path), "--target", "nope"])
        assert torch.get_num_threads() == 1  # the default
    finally:
        torch.set_num_threads(1)  # conftest's setting
    err = _exit_message(capsys, ["--data", str(csv_path), "--threads", "0"])
    assert "--threads must be at least 1, got 0" in err


def test_main_test_part_shorter_than_horizon(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path), "--test-size", "0.01"] + TINY)
    assert "fewer than --pred_len 6" in err


def test_main_ms_needs_covariates(tmp_path, capsys):
    path = tmp_path / "one.csv"
    _frame(N_ROWS)[["date", "load"]].to_csv(path, index=False)
    err = _exit_message(capsys, ["--data", str(path), "--features", "MS"] + TINY)
    assert "MS needs covariates" in err


def test_main_invalid_model_flag_reported(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path)] + TINY + ["--n_heads", "3"])
    assert "n_heads=3 must divide d_model=16" in err


def test_bundled_data_uses_paper_split():
    args = argparse.Namespace(test_size=None)
    assert cli._split(17420, args, bundled=True) == (11520, 2880, 0.25)
    # a fraction instead: 10% of all rows validate, as the original's custom split
    args = argparse.Namespace(test_size=0.1)
    assert cli._split(1000, args, bundled=True) == (900, 100, pytest.approx(1 / 9))


@pytest.mark.parametrize(
    ("freq", "sp"),
    [("h", 24), ("15min", 96), ("30s", 2880), ("D", 7), ("B", 5), ("W", 52),
     ("MS", 12), ("ME", 12), ("QS", 4), ("YS", None), ("2D", None), ("7h", None)],
)  # fmt: skip
def test_seasonal_period(freq, sp):
    assert cli.seasonal_period(freq) == sp


def test_help_names_the_original_flags(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    flags = ["--data", "--target", "--features", "--freq", "--seq_len", "--label_len",
             "--pred_len", "--d_model", "--attn", "--train_epochs",
             "--output"]  # fmt: skip
    for flag in flags:
        assert flag in out


def test_revin_and_residual_sp_flags_reach_the_forecaster():
    plain = cli._make_informer(cli.build_parser().parse_args([]), 0.1).get_params()
    assert plain["revin"] is False and plain["residual_sp"] is None
    args = cli.build_parser().parse_args(["--revin", "--residual_sp", "24"])
    params = cli._make_informer(args, 0.1).get_params()
    assert params["revin"] is True and params["residual_sp"] == 24 and params["residual_periods"] == 1
    for value, expected in (("auto", "auto"), ("3", 3)):
        args = cli.build_parser().parse_args(["--residual_sp", "24", "--residual_periods", value])
        assert cli._make_informer(args, 0.1).get_params()["residual_periods"] == expected
