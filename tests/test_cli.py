"""Tests for the main job, run through ``cli.main`` on a small synthetic CSV."""

import argparse
import copy
import os

import numpy as np
import pandas as pd
import pytest
import torch

import informer_sk
from informer_sk import cli
from informer_sk.training import TrainingDiverged

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
    assert sorted(tmp_path.iterdir()) == sorted([csv_path, output])  # no temporary left


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


def _exit_message(capsys, argv, code=2):
    """Run the main job expecting it to stop; the one line it wrote to stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


def _no_training(monkeypatch):
    """Make any fit fail loudly: a test of an early error must not train."""

    def fail(*args, **kwargs):
        raise AssertionError("the main job trained")

    monkeypatch.setattr(cli, "_backtest", fail)
    monkeypatch.setattr(cli, "_rolling_forecasts", fail)


def test_main_ms_without_future_covariates_fails_before_training(
    csv_path, tmp_path, capsys, monkeypatch
):
    _no_training(monkeypatch)
    output = tmp_path / "forecast.csv"
    argv = ["--data", str(csv_path), "--features", "MS", "--output", str(output)]
    err = _exit_message(capsys, argv + TINY)
    assert "--features MS needs the covariates' values for the 6 steps" in err
    assert "no row(s) follow the target's last value, at 2024-01-13 11:00:00" in err
    assert err.endswith("(no forecast written)\n")
    assert not output.exists()


def test_main_ms_with_too_few_future_rows_keeps_earlier_file(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    frame = _frame(N_ROWS)
    frame.loc[N_ROWS - 3 :, "load"] = np.nan  # 3 future rows, 6 needed
    frame.loc[N_ROWS - 1, "sun"] = np.nan
    path = tmp_path / "short.csv"
    frame.to_csv(path, index=False)
    output = tmp_path / "forecast.csv"
    output.write_text("an earlier run's forecast\n")
    os.utime(output, (0, 0))
    argv = ["--data", str(path), "--features", "MS", "--output", str(output)]
    err = _exit_message(capsys, argv + TINY)
    assert "3 row(s) follow the target's last value" in err
    assert "1 of them with a covariate missing" in err
    assert f"(no forecast written; {output} is from an earlier run)" in err
    assert output.read_text() == "an earlier run's forecast\n"
    assert output.stat().st_mtime == 0


def test_write_atomically_keeps_earlier_file_on_failure(tmp_path, monkeypatch):
    output = tmp_path / "forecast.csv"
    output.write_text("earlier\n")

    def broken(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(ValueError, match=f"cannot write --output {output}: No space left"):
        cli._write_atomically(pd.DataFrame({"load": [1.0]}), output)
    assert output.read_text() == "earlier\n"
    assert list(tmp_path.iterdir()) == [output]  # the temporary file is gone


def test_write_atomically_replaces_file_with_usual_mode(tmp_path):
    output = tmp_path / "forecast.csv"
    output.write_text("earlier\n")
    plain = tmp_path / "plain.csv"
    plain.write_text("")  # the mode open() gives under this umask
    cli._write_atomically(pd.DataFrame({"load": [1.5]}), output)
    assert pd.read_csv(output, index_col=0)["load"].tolist() == [1.5]
    assert sorted(tmp_path.iterdir()) == [output, plain]
    assert output.stat().st_mode == plain.stat().st_mode


def test_write_atomically_through_a_symbolic_link(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "forecast.csv"
    real.write_text("earlier\n")
    link = tmp_path / "forecast.csv"
    link.symlink_to(real)
    cli._write_atomically(pd.DataFrame({"load": [1.5]}), link)
    assert link.is_symlink()
    assert pd.read_csv(real, index_col=0)["load"].tolist() == [1.5]


def test_main_bad_seed_and_residual_periods(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path), "--seed", "-1"])
    assert "--seed must be in [0, 2**32 - 1], got -1" in err
    err = _exit_message(capsys, ["--residual_periods", "x"])
    assert "'x' is neither a positive integer nor 'auto'" in err


@pytest.mark.parametrize(
    ("output", "message"),
    [("missing/forecast.csv", "there is no directory"), (".", "is a directory")],
)
def test_main_unwritable_output_fails_before_training(
    csv_path, tmp_path, capsys, monkeypatch, output, message
):
    _no_training(monkeypatch)
    err = _exit_message(capsys, ["--data", str(csv_path), "--output", str(tmp_path / output)])
    assert message in err
    assert err.endswith("(no forecast written)\n")  # a directory is no earlier forecast


def test_main_missing_target_column(csv_path, capsys):
    err = _exit_message(capsys, ["--data", str(csv_path), "--target", "nope"] + TINY)
    assert "target column(s) ['nope'] not in" in err
    assert "columns: ['temp', 'sun', 'load']" in err
    err = _exit_message(capsys, ["--data", str(csv_path), "--target", "nope", "--features", "M"])
    assert "--target 'nope' is not a numeric column" in err
    assert "['temp', 'sun', 'load']" in err


@pytest.mark.parametrize("flag", ["--date_col", "--date-col"])
def test_main_missing_date_column(csv_path, capsys, flag):
    err = _exit_message(capsys, ["--data", str(csv_path), flag, "when"] + TINY)
    assert "--date_col 'when' is not a column" in err


def test_main_missing_data_file(tmp_path, capsys):
    err = _exit_message(capsys, ["--data", str(tmp_path / "absent.csv")] + TINY)
    assert err == (
        f"informer-sk: error: cannot read --data {tmp_path / 'absent.csv'}: "
        "No such file or directory (no forecast written)\n"
    )


def test_main_data_is_a_directory(tmp_path, capsys):
    err = _exit_message(capsys, ["--data", str(tmp_path)] + TINY)
    assert f"cannot read --data {tmp_path}: Is a directory" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"\xff\xfe\x00d\x00a\x00t\x00e", "is not UTF-8 text")],
)
def test_main_unreadable_data_file(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    err = _exit_message(capsys, ["--data", str(path)] + TINY)
    assert message in err
    assert err.count("\n") == 1


def _with_text_cells(tmp_path, column, rows, value="x"):
    frame = _frame(N_ROWS).astype({column: object})
    frame.loc[rows, column] = value
    path = tmp_path / "typo.csv"
    frame.to_csv(path, index=False)
    return path


def test_main_text_cell_in_target_named(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    path = _with_text_cells(tmp_path, "load", [10])
    err = _exit_message(capsys, ["--data", str(path), "--target", "load"] + TINY)
    assert "column 'load' of" in err
    assert "1 cell(s) are not numbers: 'x' on data row 11 (date 2024-01-01 10:00:00)" in err


@pytest.mark.parametrize("features", ["S", "M", "MS"])
def test_main_default_target_does_not_skip_column_with_text_cell(
    tmp_path, capsys, monkeypatch, features
):
    # before, the text cell made 'load' a text column and 'sun' was forecast, exit 0
    _no_training(monkeypatch)
    path = _with_text_cells(tmp_path, "load", [10, 20], value="n.a.")
    err = _exit_message(capsys, ["--data", str(path), "--features", features] + TINY)
    assert "column 'load'" in err
    assert "'n.a.' on data row 11" in err and "'n.a.' on data row 21" in err


def test_main_text_cell_in_covariate_named(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    path = _with_text_cells(tmp_path, "temp", [5])
    argv = ["--data", str(path), "--features", "MS", "--target", "load"]
    err = _exit_message(capsys, argv + TINY)
    assert "column 'temp'" in err and "'x' on data row 6" in err


def test_text_cell_in_unused_column_is_no_error(tmp_path):
    path = _with_text_cells(tmp_path, "temp", [5])
    args = cli.build_parser().parse_args(["--data", str(path), "--target", "load"])
    frame, _, _ = cli._load_frame(args)
    assert list(frame.columns) == ["load"]


@pytest.mark.parametrize("sep", [";", "\\t", "\t"])
def test_sep_reaches_the_loader(tmp_path, sep):
    path = tmp_path / "semicolon.csv"
    _frame(N_ROWS).to_csv(path, index=False, sep=";" if sep == ";" else "\t")
    args = cli.build_parser().parse_args(["--data", str(path), "--sep", sep])
    frame, _, _ = cli._load_frame(args)
    assert list(frame.columns) == ["temp", "sun", "load"]


def test_main_wrong_sep_suggests_the_right_one(tmp_path, capsys):
    path = tmp_path / "semicolon.csv"
    _frame(N_ROWS).to_csv(path, index=False, sep=";")
    err = _exit_message(capsys, ["--data", str(path)] + TINY)
    assert "the header splits on ';': pass --sep ';'" in err


def _european(path):
    """``_frame`` written as a European spreadsheet writes it: ';' between fields, ',' decimals."""
    _frame(N_ROWS).to_csv(path, index=False, sep=";", decimal=",")
    return path


def test_decimal_reaches_the_loader(tmp_path):
    path = _european(tmp_path / "european.csv")
    args = cli.build_parser().parse_args(["--data", str(path), "--sep", ";", "--decimal", ","])
    frame, _, _ = cli._load_frame(args)
    expected = _frame(N_ROWS).set_index("date")
    np.testing.assert_allclose(frame.to_numpy(), expected.to_numpy(), rtol=1e-15)


@pytest.mark.parametrize("target", [[], ["--target", "load"]])
def test_main_decimal_commas_suggest_the_decimal_flag(tmp_path, capsys, monkeypatch, target):
    # before, the decimal-comma columns were dropped as text: no numeric column was left
    _no_training(monkeypatch)
    path = _european(tmp_path / "european.csv")
    err = _exit_message(capsys, ["--data", str(path), "--sep", ";"] + target + TINY)
    assert "holds numbers written with the decimal mark ','" in err
    assert "but --decimal '.': pass --decimal ','" in err


def test_main_no_decimal_advice_for_a_text_cell(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    frame = _frame(N_ROWS)
    frame["load"] = frame["load"].map(lambda v: str(v).replace(".", ","))
    frame.loc[3, "load"] = "oops"
    path = tmp_path / "typo.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")
    argv = ["--data", str(path), "--sep", ";", "--target", "load"]
    # read with '.', 'load' is text; --decimal ',' would not make 'oops' a number
    err = _exit_message(capsys, argv + TINY)
    assert "target column(s) ['load']" in err and "are not numeric" in err
    assert "--decimal" not in err
    err = _exit_message(capsys, argv + ["--decimal", ","] + TINY)
    assert "1 cell(s) are not numbers: 'oops' on data row 4" in err
    assert "--decimal" not in err


def test_bad_decimal_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--decimal", ",,"])
    assert exit_info.value.code == 2
    assert "',,' is not one character" in capsys.readouterr().err


@pytest.mark.parametrize("features", ["S", "MS"])
def test_backtest_equals_update_and_predict_at_the_origins(tmp_path, features):
    frame = _frame(N_ROWS)
    if features == "MS":
        frame.loc[N_ROWS - PRED_LEN :, "load"] = np.nan  # the covariates' future
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    argv = ["--data", str(path), "--features", features, "--target", "load"]
    args = cli.build_parser().parse_args(argv + TINY)
    job = cli._prepare(args)
    y, X = job.y, job.X
    model = cli.build_model(args, job.validation_size)
    preds = cli._backtest(model, y, X, job.n_fit, job.n_origins, PRED_LEN)
    assert preds.shape == (job.n_origins * PRED_LEN, 1)
    # what the main job did before: update(update_params=False) to an origin, predict
    for k in (0, 1, job.n_origins - 1):
        origin = job.n_fit + k * PRED_LEN
        moved = copy.deepcopy(model)
        if k:
            moved.update(y.iloc[job.n_fit : origin], X=cli._rows(X, job.n_fit, origin),
                         update_params=False)  # fmt: skip
        expected = moved.predict(X=cli._rows(X, origin, origin + PRED_LEN))
        np.testing.assert_allclose(
            preds[k * PRED_LEN : (k + 1) * PRED_LEN, 0], expected.to_numpy(), rtol=1e-5, atol=1e-6
        )


def test_header_names_data_model_and_split(csv_path):
    args = cli.build_parser().parse_args(["--data", str(csv_path), "--threads", "2", "--model", "informer"] + TINY)
    job = cli._prepare(args)
    header = cli._header(args, job, cli.build_model(args, job.validation_size))
    assert header[0].startswith(f"Data: {csv_path}, 300 rows, 2024-01-01 00:00:00 .. ")
    assert header[1] == (
        "Model: InformerForecaster(d_ff=32, d_model=16, label_len=12, learning_rate=0.001, "
        "n_heads=2, random_state=0, seq_len=24, train_epochs=1, "
        f"validation_size={job.validation_size!r}); 2 torch thread(s)"
    )
    assert header[2].startswith("Fit on rows [0, 240) (30 of them for early stopping)")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"informer-sk {informer_sk.__version__}\n"


def _option_actions():
    return [a for a in cli.build_parser()._actions if a.option_strings and a.dest != "help"]


def test_every_flag_has_both_spellings():
    for action in _option_actions():
        canonical = action.option_strings[0]
        assert action.option_strings == list(
            dict.fromkeys([canonical, canonical.replace("_", "-")])
        ), action.option_strings
        assert canonical == "--" + action.dest


@pytest.mark.parametrize(
    ("underscores", "hyphens", "value"),
    [("--date_col", "--date-col", "when"), ("--test_size", "--test-size", 0.3),
     ("--pred_len", "--pred-len", 12), ("--train_epochs", "--train-epochs", 2),
     ("--residual_sp", "--residual-sp", 24), ("--learning_rate", "--learning-rate", 0.01)],
)  # fmt: skip
def test_both_spellings_parse_alike(underscores, hyphens, value):
    parser = cli.build_parser()
    dest = underscores[2:]
    for flag in (underscores, hyphens):
        assert getattr(parser.parse_args([flag, str(value)]), dest) == value


def test_help_shows_one_spelling_per_flag(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for action in _option_actions():
        assert action.option_strings[0] in out
        for alias in action.option_strings[1:]:
            assert alias not in out.replace("--pred-len for --pred_len", "")
    assert "-h, --help" in out


def test_abbreviated_flag_is_rejected(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--pred", "12"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --pred" in capsys.readouterr().err


def test_default_epochs_let_early_stopping_fire():
    args = cli.build_parser().parse_args([])
    assert args.train_epochs > args.patience


def _unusable_devices():
    devices = ["hpu", "meta", "xla"]
    if not torch.cuda.is_available():
        devices += ["cuda", "cuda:0"]
    else:
        devices.append(f"cuda:{torch.cuda.device_count()}")
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_available():
        devices.append("mps")
    return devices


@pytest.mark.parametrize("device", _unusable_devices())
def test_main_unusable_device_fails_before_loading(capsys, monkeypatch, device):
    def no_loading(*args, **kwargs):
        raise AssertionError("data loaded")

    monkeypatch.setattr(cli, "load_ett", no_loading)
    monkeypatch.setattr(cli, "load_csv", no_loading)
    err = _exit_message(capsys, ["--device", device])
    assert f"--device {device!r} cannot be used on this machine (" in err
    assert "available here: 'auto', 'cpu'" in err
    assert err.count("\n") == 1


def test_main_device_that_is_no_name(capsys):
    err = _exit_message(capsys, ["--device", "banana"])
    assert "--device 'banana' is not a torch device name; available here: 'auto', 'cpu'" in err


@pytest.mark.parametrize("device", ["auto", "cpu"])
def test_device_reaches_the_forecaster(device):
    cli.check_device(device)
    args = cli.build_parser().parse_args(["--device", device])
    assert all(c.device == device for _, c in cli.build_model(args, 0.1).forecasters)
    args = cli.build_parser().parse_args(["--device", device, "--model", "informer"])
    assert cli.build_model(args, 0.1).get_params()["device"] == device


def test_precision_compile_and_checkpointing_reach_every_forecaster():
    args = cli.build_parser().parse_args(["--precision", "bf16", "--compile", "--activation-checkpointing"])
    wanted = ("bf16", True, True)
    settings = [(c.precision, c.compile, c.activation_checkpointing) for _, c in cli.build_model(args, 0.1).forecasters]
    assert settings and all(s == wanted for s in settings)
    model = cli.build_model(cli.build_parser().parse_args(["--model", "informer"]), 0.1)
    assert (model.precision, model.compile, model.activation_checkpointing) == ("fp32", False, False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("device", ["auto", "cpu"])
def test_main_tf32_without_cuda_fails_before_loading(capsys, monkeypatch, device):
    def no_loading(*args, **kwargs):
        raise AssertionError("data loaded")

    monkeypatch.setattr(cli, "load_ett", no_loading)
    err = _exit_message(capsys, ["--precision", "tf32", "--device", device])
    assert f"--precision tf32 is a mode of CUDA GPUs, and --device {device} computes on " in err
    assert "use --precision fp32" in err and err.count("\n") == 1


def test_main_forecaster_setting_error_is_one_line(csv_path, capsys, monkeypatch):
    # a device the CLI's check lets through but the forecaster refuses
    monkeypatch.setattr(cli, "check_device", lambda device: None)
    err = _exit_message(capsys, ["--data", str(csv_path), "--device", "cuda:banana"] + TINY)
    assert "device='cuda:banana' is not a torch device" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [(TrainingDiverged("training diverged at epoch 1"), 2, "informer-sk: error: training diverged"),
     (KeyboardInterrupt(), 130, "informer-sk: interrupted")],
)  # fmt: skip
def test_main_stops_cleanly_during_training(
    csv_path, tmp_path, capsys, monkeypatch, error, code, message
):
    def stop(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli, "_backtest", stop)
    output = tmp_path / "forecast.csv"
    err = _exit_message(capsys, ["--data", str(csv_path), "--output", str(output)], code)
    assert err.startswith(message)
    assert err.endswith("(no forecast written)\n")
    assert not output.exists()


def test_main_missing_values_in_target(tmp_path, capsys):
    frame = _frame(N_ROWS)
    frame.loc[10, "load"] = np.nan
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    err = _exit_message(capsys, ["--data", str(path)] + TINY)
    assert "missing values in forecast column(s) {'load': 1}, first at 2024-01-01 10:00:00" in err
    assert "drop" not in err  # dropped rows would leave irregular timestamps


@pytest.mark.parametrize("features", ["S", "M"])
def test_main_future_rows_without_ms_named(tmp_path, capsys, monkeypatch, features):
    _no_training(monkeypatch)
    frame = _frame(N_ROWS)
    frame.loc[N_ROWS - PRED_LEN :, "load"] = np.nan  # a file made for --features MS
    path = tmp_path / "ms.csv"
    frame.to_csv(path, index=False)
    err = _exit_message(capsys, ["--data", str(path), "--features", features] + TINY)
    assert f"the last {PRED_LEN} rows of {path} (from 2024-01-13 06:00:00) have no value " \
        "to forecast in ['load']" in err
    assert "use --features MS" in err


@pytest.mark.parametrize("test_size", ["0", "0.9", "1.5"])
def test_main_test_size_out_of_range(csv_path, capsys, test_size):
    err = _exit_message(capsys, ["--data", str(csv_path), "--test-size", test_size])
    assert "--test_size must be in (0, 0.9)" in err


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
    assert err.count("\n") == 1  # no usage, no traceback


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
    plain = cli.build_model(cli.build_parser().parse_args(["--model", "informer"]), 0.1).get_params()
    assert plain["revin"] is False and plain["residual_sp"] is None
    args = cli.build_parser().parse_args(["--model", "informer", "--revin", "--residual_sp", "24"])
    params = cli.build_model(args, 0.1).get_params()
    assert params["revin"] is True and params["residual_sp"] == 24 and params["residual_periods"] == 1
    for value, expected in (("auto", "auto"), ("3", 3)):
        args = cli.build_parser().parse_args(["--model", "informer", "--residual_sp", "24", "--residual_periods", value])
        assert cli.build_model(args, 0.1).get_params()["residual_periods"] == expected


def test_highway_flag_reaches_the_forecaster_and_adds_two_candidates_to_the_recipe():
    args = cli.build_parser().parse_args(["--model", "informer", "--highway"])
    assert cli.build_model(args, 0.1).highway is True
    assert cli.build_model(cli.build_parser().parse_args(["--model", "informer"]), 0.1).highway is False
    args = cli.build_parser().parse_args(["--highway", "--learning_rate", "0.002"])
    candidates = dict(cli.build_model(args, 0.1, sp=24).forecasters)
    assert list(candidates) == ["revin", "seasonal_residual", "highway", "highway_fast"]
    assert [c.highway for c in candidates.values()] == [False, False, True, True]
    assert candidates["highway"].learning_rate == 0.002 and candidates["highway"].revin
    assert candidates["highway_fast"].learning_rate == pytest.approx(0.006)
    args = cli.build_parser().parse_args(["--highway", "least_squares"])
    assert [c.highway for _, c in cli.build_model(args, 0.1, sp=24).forecasters][2:] == ["least_squares"] * 2
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--highway", "ols"])
    assert len(cli.build_model(cli.build_parser().parse_args([]), 0.1, sp=24).forecasters) == 2


def test_the_recipe_is_the_default_model_sized_by_the_flags():
    args = cli.build_parser().parse_args(["--d_model", "32", "--learning_rate", "0.002", "--channel_independent"])
    model = cli.build_model(args, 0.1, sp=24)
    assert type(model).__name__ == "InformerEnsemble" and model.validation_size == 0.1
    (name_a, a), (name_b, b) = model.forecasters
    assert (name_a, name_b) == ("revin", "seasonal_residual")
    for candidate in (a, b):
        assert candidate.d_model == 32 and candidate.revin and candidate.channel_independent
        assert candidate.validation_size == 0.1
    assert a.learning_rate == 0.002 and a.residual_sp is None
    assert b.learning_rate == pytest.approx(0.0002) and b.residual_sp == 24 and b.residual_periods == "auto"
    # --residual_sp names the season; without any, the second candidate has no baseline
    args = cli.build_parser().parse_args(["--residual_sp", "12"])
    assert cli.build_model(args, 0.1, sp=24).forecasters[1][1].residual_sp == 12
    assert cli.build_model(cli.build_parser().parse_args([]), 0.1, sp=None).forecasters[1][1].residual_sp is None
