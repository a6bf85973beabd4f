import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from informer_sk.nn import Informer, InformerConfig
from informer_sk.nn.dropout import Dropout, dropped_positions


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


@pytest.mark.parametrize("p", [0.05, 0.5])
def test_dropped_positions_drop_each_element_with_probability_p(p):
    torch.manual_seed(0)
    n = 400_000
    positions = dropped_positions(n, p)
    assert positions.dtype == torch.int64 and bool((positions.diff() > 0).all())
    assert positions.min() >= 0 and positions.max() < n
    dropped = torch.zeros(n, dtype=torch.bool).index_fill_(0, positions, True)
    # the share, at the start and the end, and for neighbours: binomial std <= 0.0011 here
    for part in (dropped[: n // 2], dropped[n // 2 :], dropped[1:][dropped[:-1]]):
        assert abs(part.float().mean().item() - p) < 0.006


def test_dropped_positions_follow_torchs_seed():
    torch.manual_seed(3)
    a = dropped_positions(2000, 0.5)
    torch.manual_seed(3)
    b = dropped_positions(2000, 0.5)
    assert torch.equal(a, b)
    assert not torch.equal(a, dropped_positions(2000, 0.5))  # the next call draws anew


@pytest.mark.parametrize("n", [0, 1, 7])
def test_dropped_positions_of_tiny_and_extreme_cases(n):
    assert dropped_positions(n, 1e-12).numel() == 0
    assert torch.equal(dropped_positions(n, 1 - 1e-12), torch.arange(n))


class _Ops(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.__name__.split(".")[0])
        return func(*args, **(kwargs or {}))


def test_draws_no_bernoulli_masks_on_the_cpu_up_to_p_one_half():
    x = torch.randn(64, 32, requires_grad=True)
    with _Ops() as ops:
        Dropout(0.5).train()(x).sum().backward()
    assert "index_fill_" in ops.names
    assert not {"bernoulli", "bernoulli_", "native_dropout"} & ops.names
    with _Ops() as ops:
        torch.nn.Dropout(0.1).train()(x)
    assert {"bernoulli", "bernoulli_", "native_dropout"} & ops.names  # what it replaces


def test_torchs_own_dropout_above_p_one_half():
    x = torch.randn(64, 32, requires_grad=True)
    with _Ops() as ops:
        out = Dropout(0.75).train()(x)
    assert {"bernoulli", "bernoulli_", "native_dropout"} & ops.names and "index_fill_" not in ops.names
    assert torch.allclose(out[out != 0], x[out != 0] * 4)


def test_keeps_only_the_dropped_positions_for_the_backward_pass():
    saved = []
    x = torch.randn(200, 100, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        y = Dropout(0.05).train()(x)
    assert [t.dtype for t in saved] == [torch.int64]
    # about p·n positions: a fifth of a boolean mask's bytes
    assert saved[0].numel() == (y == 0).sum() and saved[0].numel() * 8 < x.numel() / 2
    y.backward(torch.ones_like(y))
    torch.testing.assert_close(x.grad, (y != 0).float() / 0.95)  # the kept elements, scaled


def test_a_non_contiguous_input_drops_by_its_logical_positions():
    torch.manual_seed(4)
    x = torch.arange(1.0, 601.0).view(20, 30).t().requires_grad_()  # (30, 20), transposed strides
    out = Dropout(0.25).train()(x)
    dropped = (out == 0).flatten().nonzero().squeeze(1)
    torch.manual_seed(4)
    assert torch.equal(dropped, dropped_positions(600, 0.25))
    torch.testing.assert_close(out[out != 0], x[out != 0] / 0.75)


def test_refuses_in_place():
    with pytest.raises(TypeError):
        Dropout(0.5, inplace=True)


def test_compiles_without_graph_breaks():
    # under torch.compile the dropout is torch's own: one graph for the whole train-mode network
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
