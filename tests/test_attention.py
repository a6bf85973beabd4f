"""Tests of FullAttention, ProbSparseAttention and AttentionLayer."""

import math

import pytest
import torch
from torch.overrides import TorchFunctionMode

from informer_sk.nn import AttentionLayer, FullAttention, ProbSparseAttention


def _qkv(B=3, H=4, L_Q=10, L_K=10, D=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(B, H, L_Q, D, generator=g),
        torch.randn(B, H, L_K, D, generator=g),
        torch.randn(B, H, L_K, D, generator=g),
    )


class _LargestTensor(TorchFunctionMode):
    """Records the largest tensor any torch call returns."""

    def __init__(self):
        super().__init__()
        self.numel = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, tuple) else (out,):
            if isinstance(t, torch.Tensor):
                self.numel = max(self.numel, t.numel())
        return out


@pytest.mark.parametrize("causal", [False, True])
def test_prob_sparse_equals_full_when_u_and_U_cover_everything(causal):
    # factor=50 with L=10: U = u = min(50 * ceil(ln 10), 10) = 10, every key and query
    q, k, v = _qkv()
    full, _ = FullAttention(causal).eval()(q, k, v)
    prob, info = ProbSparseAttention(causal, factor=50).eval()(q, k, v, return_attention=True)
    torch.testing.assert_close(prob, full)
    assert info["top_index"].shape == (3, 4, 10)


@pytest.mark.parametrize("causal", [False, True])
def test_lazy_queries_get_mean_of_values(causal):
    # factor=1 with L=20: u = ceil(ln 20) = 3 active queries out of 20
    q, k, v = _qkv(L_Q=20, L_K=20)
    torch.manual_seed(0)
    out, _ = ProbSparseAttention(causal, factor=1).eval()(q, k, v)
    torch.manual_seed(0)
    _, info = ProbSparseAttention(causal, factor=1).eval()(q, k, v, return_attention=True)
    if causal:
        expected = v.cumsum(2) / torch.arange(1, 21).view(20, 1)  # running mean, not sum
    else:
        expected = v.mean(2, keepdim=True).expand_as(v)
    lazy = torch.ones(3, 4, 20, dtype=torch.bool)
    lazy.scatter_(2, info["top_index"], False)
    assert lazy.sum() == 3 * 4 * 17
    torch.testing.assert_close(out[lazy], expected[lazy])
    assert not torch.allclose(out[~lazy], expected[~lazy])


@pytest.mark.parametrize("causal", [False, True])
def test_active_queries_get_exact_attention(causal):
    q, k, v = _qkv(L_Q=20, L_K=20)
    torch.manual_seed(0)
    out, info = ProbSparseAttention(causal, factor=1).eval()(q, k, v, return_attention=True)
    full, _ = FullAttention(causal).eval()(q, k, v)
    top = torch.zeros(3, 4, 20, dtype=torch.bool).scatter_(2, info["top_index"], True)
    torch.testing.assert_close(out[top], full[top])


@pytest.mark.parametrize("causal", [False, True])
def test_fused_path_equals_diagnostic_path(causal):
    q, k, v = _qkv(L_Q=30, L_K=30)
    attention = ProbSparseAttention(causal, factor=1).eval()
    torch.manual_seed(0)
    fused, none = attention(q, k, v)
    torch.manual_seed(0)
    explicit, _ = attention(q, k, v, return_attention=True)
    assert none is None
    torch.testing.assert_close(fused, explicit)


def test_top_u_is_chosen_per_sample_and_per_head():
    # queries with a large norm have a large max-mean measurement: put them at
    # different positions for each (batch element, head)
    q, k, v = _qkv(B=2, H=2, L_Q=20, L_K=20)
    q = q * 0.01
    active = {(0, 0): [0, 1, 2], (0, 1): [5, 6, 7], (1, 0): [10, 11, 12], (1, 1): [15, 16, 17]}
    for (b, h), positions in active.items():
        q[b, h, positions] *= 1e4
    torch.manual_seed(0)
    _, info = ProbSparseAttention(factor=1).eval()(q, k, v, return_attention=True)  # u = 3
    for (b, h), positions in active.items():
        assert sorted(info["top_index"][b, h].tolist()) == positions


@pytest.mark.parametrize("training", [True, False])
def test_sparsity_is_max_minus_mean_over_one_key_sample_per_batch_and_head(training):
    # in training every (window, head) draws its own sample; in eval every window of
    # the batch shares its head's, so a forecast does not depend on its batch
    B, H, L, D = 2, 3, 40, 8
    q, k, v = _qkv(B=B, H=H, L_Q=L, L_K=L, D=D)
    U = u = 2 * math.ceil(math.log(L))  # factor=2: 8 < 40
    torch.manual_seed(1)
    out, info = ProbSparseAttention(factor=2).train(training)(q, k, v, return_attention=True)
    torch.manual_seed(1)
    sample = torch.randint(L, (B if training else 1, H, U, 1))
    k_sample = k.gather(2, sample.expand(B, -1, -1, D))  # (B, H, U, D)
    scores = q @ k_sample.transpose(-2, -1) / math.sqrt(D)  # (B, H, L, U)
    # Eq. 4 divides the sum by U (the original code divides it by L_K)
    torch.testing.assert_close(info["sparsity"], scores.max(-1).values - scores.sum(-1) / U)
    assert out.shape == (B, H, L, D)
    assert info["sparsity"].shape == (B, H, L)
    assert info["top_index"].shape == (B, H, u)
    assert info["weights"].shape == (B, H, u, L)
    torch.testing.assert_close(info["weights"].sum(-1), torch.ones(B, H, u))


@pytest.mark.parametrize("causal", [False, True])
def test_prob_sparse_never_builds_an_L_by_L_tensor(causal):
    L, D = 1000, 8
    q, k, v = (torch.randn(1, 1, L, D) for _ in range(3))
    attention = ProbSparseAttention(causal, factor=5)
    with _LargestTensor() as largest:
        attention(q, k, v)
    # u = U = 5 * ceil(ln 1000) = 35: the largest tensors are (u, L) and (L, U)
    assert 35 * L <= largest.numel < L * L / 10
    with _LargestTensor() as largest:
        attention(q, k, v, return_attention=True)
    assert largest.numel < L * L / 10


def test_causal_active_weights_are_masked():
    q, k, v = _qkv(L_Q=20, L_K=20)
    torch.manual_seed(0)
    _, info = ProbSparseAttention(causal=True, factor=1).eval()(q, k, v, return_attention=True)
    future = info["top_index"].unsqueeze(-1) < torch.arange(20)  # (B, H, u, L)
    assert (info["weights"][future] == 0).all()
    assert (info["weights"][~future] > 0).all()


def test_full_attention_weights_match_fused_output():
    q, k, v = _qkv(L_Q=6, L_K=9)
    fused, _ = FullAttention().eval()(q, k, v)
    explicit, info = FullAttention().eval()(q, k, v, return_attention=True)
    torch.testing.assert_close(explicit, fused)
    assert info["weights"].shape == (3, 4, 6, 9)


def test_causal_full_attention_masks_the_future():
    q, k, v = _qkv()
    _, info = FullAttention(causal=True).eval()(q, k, v, return_attention=True)
    assert (info["weights"].triu(diagonal=1) == 0).all()
    fused, _ = FullAttention(causal=True).eval()(q, k, v)
    v2 = v.clone()
    v2[:, :, 5:] += 1.0
    changed, _ = FullAttention(causal=True).eval()(q, k, v2)
    torch.testing.assert_close(changed[:, :, :5], fused[:, :, :5])


def test_prob_sparse_dropout_only_in_training():
    q, k, v = _qkv(L_Q=20, L_K=20)
    attention = ProbSparseAttention(factor=1, dropout=0.5)
    torch.manual_seed(0)
    train, _ = attention.train()(q, k, v)
    torch.manual_seed(0)
    evaluation, _ = attention.eval()(q, k, v)
    assert not torch.allclose(train, evaluation)
    torch.manual_seed(0)
    again, _ = attention.eval()(q, k, v)
    torch.testing.assert_close(again, evaluation)


@pytest.mark.parametrize("attention", [FullAttention(), ProbSparseAttention(factor=2)])
def test_attention_layer_shapes_and_info(attention):
    layer = AttentionLayer(attention, d_model=16, n_heads=4).eval()
    queries, keys = torch.randn(2, 12, 16), torch.randn(2, 30, 16)
    out, info = layer(queries, keys, keys)
    assert out.shape == (2, 12, 16) and info is None
    out, info = layer(queries, keys, keys, return_attention=True)
    assert out.shape == (2, 12, 16)
    u = 12 if isinstance(attention, FullAttention) else 2 * math.ceil(math.log(12))
    assert info["weights"].shape == (2, 4, u, 30)


@pytest.mark.parametrize("attention", [FullAttention(causal=True), ProbSparseAttention(causal=True, factor=50)])
def test_attention_layer_is_the_heads_of_the_inner_attention(attention):
    # project, split into heads, attend each head, merge, project: written out by hand
    layer = AttentionLayer(attention, d_model=16, n_heads=4).eval()
    x, memory = torch.randn(2, 12, 16), torch.randn(2, 12, 16)
    q = layer.query_projection(x).view(2, 12, 4, 4).transpose(1, 2)
    k = layer.key_projection(memory).view(2, 12, 4, 4).transpose(1, 2)
    v = layer.value_projection(memory).view(2, 12, 4, 4).transpose(1, 2)
    full, _ = FullAttention(causal=True).eval()(q, k, v)  # ProbSparse covers every query and key here
    expected = layer.out_projection(full.transpose(1, 2).reshape(2, 12, 16))
    torch.testing.assert_close(layer(x, memory, memory)[0], expected)


def test_attention_layer_refuses_heads_that_do_not_divide_the_width():
    with pytest.raises(ValueError, match="n_heads=3 must divide d_model=16"):
        AttentionLayer(FullAttention(), d_model=16, n_heads=3)
