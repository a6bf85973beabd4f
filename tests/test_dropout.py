import pytest
import torch
from torch import nn

from informer_sk.nn import Informer, InformerConfig
from informer_sk.nn.dropout import Dropout, keep_mask


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


def test_keep_mask_keeps_one_minus_p_at_even_and_odd_positions():
    # the two int32 halves of each 64-bit draw land at even and odd positions
    torch.manual_seed(0)
    keep = keep_mask((1001, 201), 0.25).flatten()
    assert keep.dtype == torch.bool and keep.numel() == 1001 * 201
    for half in (keep[0::2], keep[1::2]):
        # binomial std of the kept share is about 0.0014 here
        assert abs(half.float().mean().item() - 0.75) < 0.007


def test_keep_mask_follows_torchs_seed():
    torch.manual_seed(3)
    a = keep_mask((64, 33), 0.5)
    torch.manual_seed(3)
    b = keep_mask((64, 33), 0.5)
    assert torch.equal(a, b)
    assert not torch.equal(a, keep_mask((64, 33), 0.5))  # the next call draws anew


@pytest.mark.parametrize("p, kept", [(1e-12, 1.0), (1 - 1e-12, 0.0)])
def test_keep_mask_at_extreme_p(p, kept):
    assert keep_mask((1000,), p).float().mean().item() == kept


def test_draws_no_bernoulli_masks_on_the_cpu():
    from torch.utils._python_dispatch import TorchDispatchMode

    class Ops(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names = set()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.names.add(func.__name__.split(".")[0])
            return func(*args, **(kwargs or {}))

    x = torch.randn(64, 32, requires_grad=True)
    with Ops() as ops:
        Dropout(0.1).train()(x).sum().backward()
    assert "keep_mask" in ops.names
    assert not {"bernoulli", "bernoulli_", "native_dropout"} & ops.names
    with Ops() as ops:
        torch.nn.Dropout(0.1).train()(x)
    assert {"bernoulli", "bernoulli_", "native_dropout"} & ops.names  # what it replaces


def test_keeps_only_a_boolean_mask_for_the_backward_pass():
    saved = []
    x = torch.randn(64, 32, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        y = Dropout(0.1).train()(x)
    assert [t.dtype for t in saved] == [torch.bool]
    y.backward(torch.ones_like(y))
    torch.testing.assert_close(x.grad, (y != 0).float() / 0.9)  # the kept elements, scaled


def test_refuses_in_place():
    with pytest.raises(TypeError):
        Dropout(0.5, inplace=True)


def test_compiles_without_graph_breaks():
    # numpy's draw is a custom operator: one graph for the whole train-mode network
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=4, d_model=8,
                            n_heads=2, d_ff=16, mark_sizes=(24,))  # fmt: skip
    network = Informer(config).train()
    x_enc, x_dec = torch.randn(2, 16, 1), torch.randn(2, 12, 1)
    mark_enc, mark_dec = torch.randint(24, (2, 16, 1)), torch.randint(24, (2, 12, 1))
    explained = torch._dynamo.explain(network)(x_enc, mark_enc, x_dec, mark_dec)
    assert explained.graph_break_count == 0 and explained.graph_count == 1


def test_compiled_dropout_keeps_one_minus_p_and_its_gradient_is_the_mask():
    torch.manual_seed(2)
    dropout = torch.compile(Dropout(0.25).train(), backend="aot_eager", fullgraph=True)
    x = torch.ones(100_000, requires_grad=True)
    out = dropout(x)
    out.sum().backward()
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.75) < 0.005  # binomial std 0.0014
    assert torch.allclose(out[kept], torch.full_like(out[kept], 1 / 0.75))
    assert torch.equal(x.grad, torch.where(kept, 1 / 0.75, 0.0))
