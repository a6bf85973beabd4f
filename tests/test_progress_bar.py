"""verbose=True: one progress bar per epoch ending with its losses; silent otherwise."""

import logging

import numpy as np
import pandas as pd
import pytest

from informer_sk import InformerForecaster
from tests.conftest import SMALL as _SMALL

SMALL = {**_SMALL, "train_epochs": 3, "batch_size": 32, "validation_size": 0.25, "patience": 5}


def _series(n=240):
    index = pd.date_range("2021-03-01", periods=n, freq="h")
    return pd.Series(np.sin(2 * np.pi * np.arange(n) / 24), index=index)


def _final_bar_states(stderr):
    """What each finished bar shows last: a bar redraws itself after carriage returns."""
    return [line.split("\r")[-1] for line in stderr.split("\n") if line.strip()]


def test_verbose_shows_one_bar_per_epoch_with_train_and_validation_loss(capsys):
    forecaster = InformerForecaster(**SMALL, verbose=True).fit(_series(), fh=[1, 2])
    out, err = capsys.readouterr()
    assert out == ""  # no print: the bar goes to stderr
    bars = _final_bar_states(err)
    history = forecaster.get_fitted_params()["history"]
    assert len(bars) == len(history) == SMALL["train_epochs"]
    for bar, record in zip(bars, history):
        assert bar.startswith(f"epoch {record['epoch']}/{SMALL['train_epochs']}")
        assert "100%" in bar
        assert f"train_loss={record['train_loss']:.4f}" in bar
        assert f"val_loss={record['val_loss']:.4f}" in bar


def test_without_validation_the_bar_shows_the_train_loss_only(capsys):
    forecaster = InformerForecaster(**{**SMALL, "validation_size": 0, "train_epochs": 2}, verbose=True)
    forecaster.fit(_series(), fh=[1, 2])
    bars = _final_bar_states(capsys.readouterr().err)
    assert len(bars) == 2
    assert all("train_loss=" in bar and "val_loss" not in bar for bar in bars)


def test_silent_by_default(capsys):
    InformerForecaster(**SMALL).fit(_series(), fh=[1, 2])
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("verbose", [False, True])
def test_epochs_are_logged_through_logging(verbose, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="informer_sk.training"):
        InformerForecaster(**SMALL, verbose=verbose).fit(_series(), fh=[1, 2])
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith("epoch ") for m in messages) == SMALL["train_epochs"]
    assert "epoch 1/3: train loss" in messages[0]
