import pytest
import torch
from torch import nn

from informer_sk.nn import Informer, InformerConfig
from informer_sk.nn.dropout import Dropout


def test_keeps_one_minus_p_and_rescales_like_torch():
    torch.manual_seed(0)
    x = torch.ones(200_000)
    out = Dropout(0.3).train()(x)
    kept = out != 0
    # binomial std of the kept share is 0.001 here
    assert abs(kept.float().mean().item() - 0.7) < 0.005
    assert torch.allclose(out[kept], torch.full_like(out[kept], 1 / 0.7))
    # the same expectation as torch's dropout
    assert abs(out.mean().item() - 1.0) < 0.01


def test_gradient_is_the_mask():
    torch.manual_seed(1)
    x = torch.randn(64, 32, requires_grad=True)
    out = Dropout(0.5).train()(x)
    out.sum().backward()
    assert torch.equal(x.grad, torch.where(out != 0, 2.0, 0.0))


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_identity_in_eval_and_at_zero(p):
    x = torch.randn(8, 4)
    assert torch.equal(Dropout(p).eval()(x), x)
    assert torch.equal(Dropout(0.0).train()(x), x)


def test_p_one_drops_everything():
    assert torch.equal(Dropout(1.0).train()(torch.ones(5)), torch.zeros(5))


def test_network_uses_it_everywhere():
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=4, d_model=8,
                            n_heads=2, d_ff=16)  # fmt: skip
    network = Informer(config)
    dropouts = [m for m in network.modules() if isinstance(m, nn.Dropout)]
    assert dropouts and all(isinstance(m, Dropout) for m in dropouts)
