"""Tests of the training losses and of the loss argument of the fit loop."""

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import norm

from informer_sk.nn import Informer, InformerConfig
from informer_sk.training import gaussian_nll, pinball_loss, seeded, train_network
from informer_sk.windows import SeriesTensors, Windows, window_starts


def test_pinball_loss_by_hand():
    out = torch.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 0.0]])  # levels 0.1, 0.5, 0.9
    target = torch.tensor([3.0, -1.0])
    # row 1: errors 2, 1, -1 -> 0.1*2, 0.5*1, 0.1*1; row 2: errors -1 -> 0.9, 0.5, 0.1
    expected = (0.2 + 0.5 + 0.1 + 0.9 + 0.5 + 0.1) / 6
    loss = pinball_loss(out, target, (0.1, 0.5, 0.9))
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_pinball_loss_is_minimised_by_the_true_quantile():
    target = torch.from_numpy(np.random.default_rng(0).normal(size=20_000)).float()
    candidates = torch.linspace(0.8, 1.8, 101)
    losses = [pinball_loss(c.expand(len(target), 1), target, (0.9,)) for c in candidates]
    best = candidates[int(torch.stack(losses).argmin())]
    assert abs(best - norm.ppf(0.9)) < 0.05


def test_gaussian_nll_matches_scipy():
    mean, scale, target = [0.5, -1.0], [2.0, 0.3], [1.0, -1.2]
    out = torch.tensor([[m, s] for m, s in zip(mean, scale)])
    expected = -np.mean(norm.logpdf(target, loc=mean, scale=scale))
    assert gaussian_nll(out, torch.tensor(target)).item() == pytest.approx(expected, rel=1e-6)


def _problem(head="point", quantiles=()):
    t = torch.arange(120, dtype=torch.float32)
    series = SeriesTensors.from_arrays(
        torch.sin(t / 4).numpy()[:, None], None, np.zeros((120, 0), dtype=np.int64)
    )
    # full attention: ProbSparse samples keys afresh on every forward pass
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=4,
                            d_model=8, n_heads=2, d_ff=16, attn="full", head=head,
                            quantiles=quantiles)  # fmt: skip
    windows = Windows(series, window_starts(120, 16, 4), 16, 8, 4)
    return config, windows


SETTINGS = dict(epochs=2, batch_size=16, learning_rate=1e-3, patience=3)


def _train(config, windows, **extra):
    with seeded(0, torch.device("cpu")):
        network = Informer(config)
        history, _ = train_network(network, windows, windows, **SETTINGS, **extra)
    return network, history


def test_the_default_loss_is_mse_bit_for_bit():
    config, windows = _problem()
    default, history = _train(config, windows)
    explicit, explicit_history = _train(config, windows, loss=F.mse_loss)
    assert history == explicit_history
    for a, b in zip(default.parameters(), explicit.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    "head, quantiles, loss",
    [
        ("quantile", (0.1, 0.5, 0.9), functools.partial(pinball_loss, quantiles=(0.1, 0.5, 0.9))),
        ("normal", (), gaussian_nll),
    ],
)
def test_probabilistic_heads_train_and_validate_on_their_loss(head, quantiles, loss):
    config, windows = _problem(head, quantiles)
    network, history = _train(config, windows, loss=loss)
    assert history[1]["train_loss"] < history[0]["train_loss"]
    with torch.no_grad():
        x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(torch.arange(len(windows)))
        expected = loss(network(x_enc, mark_enc, x_dec, mark_dec), target).item()
    assert math.isclose(history[-1]["val_loss"], expected, rel_tol=1e-4)
