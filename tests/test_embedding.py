"""Tests of the value, position and calendar embeddings."""

import math

import pytest
import torch

from informer_sk.nn.embedding import (
    CalendarEmbedding,
    DataEmbedding,
    PositionalEmbedding,
    TokenEmbedding,
)

MARK_SIZES = (24, 7, 31)


def _marks(B, L, mark_sizes=MARK_SIZES, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(size, (B, L), generator=g) for size in mark_sizes], dim=-1)


def test_token_embedding_keeps_length_and_wraps_circularly():
    embedding = TokenEmbedding(c_in=3, d_model=8)
    x = torch.randn(2, 10, 3)
    out = embedding(x)
    assert out.shape == (2, 10, 8)
    assert embedding.conv.bias is None
    # kernel 3, circular: position 0 sees the last step, and no other step does
    x2 = x.clone()
    x2[:, -1] += 1.0
    changed = (embedding(x2) - out).abs().sum(-1) > 0  # (B, L)
    assert changed[:, [0, -2, -1]].all() and not changed[:, 1:-2].any()


@pytest.mark.parametrize("kernel_size", [1, 5])
def test_token_embedding_padding_follows_kernel_size(kernel_size):
    assert TokenEmbedding(2, 4, kernel_size)(torch.randn(1, 7, 2)).shape == (1, 7, 4)


def test_positional_embedding_is_sinusoidal_and_not_saved():
    embedding = PositionalEmbedding(d_model=6, max_len=50)
    pe = embedding(torch.zeros(2, 20, 1))
    assert pe.shape == (20, 6)
    pos, i = 7, 1  # columns 2i and 2i + 1 of Vaswani et al.
    angle = pos / 10000 ** (2 * i / 6)
    torch.testing.assert_close(pe[pos, 2 * i], torch.tensor(math.sin(angle)))
    torch.testing.assert_close(pe[pos, 2 * i + 1], torch.tensor(math.cos(angle)))
    assert "table" not in embedding.state_dict()


def test_positional_embedding_odd_width():
    assert PositionalEmbedding(d_model=5, max_len=4)(torch.zeros(1, 4)).shape == (4, 5)


def test_time_features_scale_marks_to_plus_minus_half():
    embedding = CalendarEmbedding((24, 7, 1), d_model=3, mode="timeF")
    assert embedding.linear.bias is None
    with torch.no_grad():
        embedding.linear.weight.copy_(torch.eye(3))
    marks = torch.tensor([[[0, 0, 0], [23, 6, 0], [12, 3, 0]]])  # (1, 3, 3)
    expected = torch.tensor([[[-0.5, -0.5, -0.5], [0.5, 0.5, -0.5], [12 / 23 - 0.5, 0.0, -0.5]]])
    torch.testing.assert_close(embedding(marks), expected)


def test_fixed_calendar_is_a_frozen_sum_of_sinusoid_tables():
    embedding = CalendarEmbedding(MARK_SIZES, d_model=8, mode="fixed")
    assert list(embedding.parameters()) == []
    marks = _marks(2, 5)
    tables = [PositionalEmbedding(8, size).table for size in MARK_SIZES]
    expected = sum(table[marks[..., field]] for field, table in enumerate(tables))
    torch.testing.assert_close(embedding(marks), expected)


def test_learned_calendar_is_a_sum_of_one_table_per_field():
    embedding = CalendarEmbedding(MARK_SIZES, d_model=8, mode="learned")
    assert embedding.table.shape == (sum(MARK_SIZES), 8)
    marks = torch.tensor([[[3, 0, 0]]])  # (1, 1, 3)
    expected = embedding.table[3] + embedding.table[24] + embedding.table[24 + 7]
    torch.testing.assert_close(embedding(marks)[0, 0], expected)
    embedding(marks).sum().backward()
    assert embedding.table.grad.abs().sum(-1).nonzero().flatten().tolist() == [3, 24, 31]


@pytest.mark.parametrize("mode", ["timeF", "fixed", "learned"])
def test_calendar_embedding_shape(mode):
    assert CalendarEmbedding(MARK_SIZES, 8, mode)(_marks(2, 5)).shape == (2, 5, 8)


def test_calendar_embedding_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode="):
        CalendarEmbedding(MARK_SIZES, 8, "daily")


@pytest.mark.parametrize("embed", ["timeF", "fixed", "learned"])
def test_data_embedding_sums_value_position_and_calendar(embed):
    embedding = DataEmbedding(2, 8, max_len=10, mark_sizes=MARK_SIZES, embed=embed).eval()
    x, marks = torch.randn(3, 6, 2), _marks(3, 6)
    expected = (
        embedding.value_embedding(x)
        + embedding.position_embedding(x)
        + embedding.calendar_embedding(marks)
    )
    torch.testing.assert_close(embedding(x, marks), expected)


def test_data_embedding_without_calendar_ignores_marks():
    embedding = DataEmbedding(2, 8, max_len=10, mark_sizes=()).eval()
    x = torch.randn(3, 6, 2)
    out = embedding(x, torch.zeros(3, 6, 0, dtype=torch.long))
    assert embedding.calendar_embedding is None
    torch.testing.assert_close(out, embedding.value_embedding(x) + embedding.position_embedding(x))


def test_data_embedding_output_is_contiguous():
    # a (B, d_model, L)-strided output would make each Q/K/V Linear copy it
    embedding = DataEmbedding(2, 8, max_len=10, mark_sizes=MARK_SIZES)
    assert embedding(torch.randn(3, 6, 2), _marks(3, 6)).is_contiguous()
    assert DataEmbedding(2, 8, max_len=10)(torch.randn(3, 6, 2), None).is_contiguous()
