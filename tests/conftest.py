"""Shared test settings and fixtures: one small network, one hourly-series builder."""

import numpy as np
import pandas as pd
import pytest
import torch

# The tests train tiny networks: with more than one intra-op thread, thread start-up
# dominates, and on a shared machine oversubscribed threads spin for seconds per op.
torch.set_num_threads(1)

# a network small enough to train in well under a second on one thread
SMALL = dict(
    seq_len=24, label_len=12, d_model=16, n_heads=2, d_ff=32, train_epochs=2,
    batch_size=16, validation_size=0, random_state=0, device="cpu",
)  # fmt: skip
# smaller still, for tests that fit many forecasters on series of a few dozen points
TINY = dict(
    seq_len=8, label_len=4, d_model=8, n_heads=2, d_ff=16, e_layers=1, train_epochs=1,
    batch_size=64, validation_size=0, random_state=0, device="cpu",
)  # fmt: skip


def hourly(n=24 * 20, n_columns=1, seed=0, noise=0.3, start="2021-03-01", level=10.0):
    """Noisy daily-seasonal hourly series, one column per target, ``c0``, ``c1``, ..."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    index = pd.date_range(start, periods=n, freq="h")
    data = {
        f"c{i}": level + (i + 1) * np.sin(2 * np.pi * (t + 3 * i) / 24) + rng.normal(0, noise, n)
        for i in range(n_columns)
    }
    return pd.DataFrame(data, index=index)


def panel(**series):
    """A ``pd-multiindex`` panel from named series frames."""
    return pd.concat(series, names=["id", "time"])


@pytest.fixture
def small_params():
    """The small network's parameters, a fresh dict per test."""
    return dict(SMALL)


@pytest.fixture
def hourly_series():
    """The builder of hourly series (see :func:`hourly`)."""
    return hourly
