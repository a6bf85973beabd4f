"""Sliding encoder/decoder windows: rows, placeholders, targets, splits."""

import numpy as np
import pandas as pd
import torch

from informer_sk.windows import (
    SeriesTensors,
    Windows,
    panel_starts,
    split_panel,
    split_starts,
    window_starts,
)


def _series(n_rows=20, n_targets=2, n_exog=1):
    # value = row number * 10 + channel, so every cell says where it came from
    values = np.arange(n_rows)[:, None] * 10.0 + np.arange(n_targets + n_exog)[None, :]
    marks = np.arange(n_rows)[:, None] % 24
    return SeriesTensors.from_arrays(
        values[:, :n_targets], values[:, n_targets:] if n_exog else None, marks
    )


def test_batch_holds_encoder_decoder_and_target_rows():
    series = _series()
    windows = Windows(series, torch.tensor([0, 3]), seq_len=6, label_len=2, pred_len=4)
    x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(torch.tensor([1]))
    assert x_enc.shape == (1, 6, 3) and x_dec.shape == (1, 6, 3) and target.shape == (1, 4, 2)
    np.testing.assert_array_equal(x_enc[0, :, 0], np.arange(3, 9) * 10.0)
    np.testing.assert_array_equal(mark_enc[0, :, 0], np.arange(3, 9))
    # start token: the last label_len known rows; then the horizon
    np.testing.assert_array_equal(x_dec[0, :2, 0], [70.0, 80.0])
    np.testing.assert_array_equal(mark_dec[0, :, 0], np.arange(7, 13))
    # targets of the horizon are zero placeholders, exogenous keeps its known future
    assert (x_dec[0, 2:, :2] == 0).all()
    np.testing.assert_array_equal(x_dec[0, 2:, 2], np.arange(9, 13) * 10.0 + 2)
    np.testing.assert_array_equal(target[0, :, 1], np.arange(9, 13) * 10.0 + 1)


def test_batch_does_not_change_the_series():
    series = _series()
    before = series.values.clone()
    Windows(series, torch.arange(5), 6, 2, 4).batch(torch.arange(5))
    assert torch.equal(series.values, before)


def test_window_starts_cover_every_full_window():
    starts = window_starts(20, seq_len=6, pred_len=4)
    np.testing.assert_array_equal(starts, np.arange(11))
    assert len(window_starts(9, 6, 4)) == 0


def test_validation_targets_lie_in_the_tail_and_training_targets_before():
    train, val = split_starts(30, seq_len=6, pred_len=4, n_val_rows=8)
    assert int(train[-1]) + 6 + 4 <= 22  # training targets end before the tail
    assert int(val[0]) + 6 == 22  # first validation target starts the tail
    assert int(val[-1]) + 6 + 4 == 30
    assert len(val) == 8 - 4 + 1
    train_all, none = split_starts(30, 6, 4, 0)
    assert none is None and len(train_all) == 30 - 10 + 1


def test_panel_windows_never_cross_from_one_series_into_the_next():
    lengths, n_val = [15, 9, 20], [4, 0, 5]
    train, val = panel_starts(lengths, seq_len=6, pred_len=3, n_val_rows=n_val)
    bounds = np.cumsum([0, *lengths])
    for starts in (train, val):
        for s in starts.tolist():
            series = np.searchsorted(bounds, s, side="right") - 1
            assert s + 6 + 3 <= bounds[series + 1]  # the whole window inside its series
    # each series gives split_starts' windows: 15-4-9+1, 9-9+1, 20-5-9+1 for training
    assert len(train) == 3 + 1 + 7 and len(val) == (4 - 3 + 1) + (5 - 3 + 1)


def test_stacked_series_keep_their_rows_and_ids():
    a = SeriesTensors.from_arrays(np.zeros((5, 1)), None, np.zeros((5, 0)), series_id=0)
    b = SeriesTensors.from_arrays(np.ones((3, 1)), None, np.zeros((3, 0)), series_id=1)
    both = SeriesTensors.concat([a, b])
    assert len(both) == 8 and both.values[5:].eq(1).all()
    windows = Windows(both, torch.tensor([0, 5]), seq_len=2, label_len=1, pred_len=1)
    assert windows.series_ids(torch.arange(2)).tolist() == [0, 1]
    # stored int32 (a row each), given to the network as int64 as before
    assert both.series_id.dtype == torch.int32 and windows.series_ids(torch.arange(2)).dtype == torch.int64
    assert Windows(_series(), torch.arange(3), 6, 2, 4).series_ids(torch.arange(3)) is None


def test_split_panel_gives_the_series_in_the_order_of_their_first_appearance():
    index = pd.MultiIndex.from_tuples(
        [("b", 0), ("b", 1), ("a", 5), ("a", 6), ("a", 7)], names=["id", "t"]
    )
    frame = pd.DataFrame({"v": np.arange(5.0)}, index=index)
    parts = split_panel(frame)
    assert [key for key, _ in parts] == ["b", "a"]
    assert list(parts[1][1].index) == [5, 6, 7]
    pd.testing.assert_frame_equal(pd.concat(dict(parts), names=["id", "t"]), frame)
    single = frame.loc["a"]
    assert split_panel(single)[0][0] is None and split_panel(single)[0][1] is single


def test_panel_starts_are_each_series_split_starts_shifted_as_int32():
    lengths, n_val = [15, 9, 20, 7], [4, 0, 5, 3]
    train, val = panel_starts(lengths, seq_len=6, pred_len=3, n_val_rows=n_val)
    offsets = np.cumsum([0, *lengths[:-1]])
    parts = [split_starts(n, 6, 3, v) for n, v in zip(lengths, n_val)]
    np.testing.assert_array_equal(train, np.concatenate([t + o for (t, _), o in zip(parts, offsets)]))
    np.testing.assert_array_equal(val, np.concatenate([v + o for (_, v), o in zip(parts, offsets) if v is not None]))
    # a window per row of a large panel: int32 is half the memory of int64
    assert train.dtype == val.dtype == np.int32
    assert panel_starts(lengths, 6, 3, [0] * 4)[1] is None


def test_windows_keep_int32_starts_and_gather_the_same_batch():
    series = _series()
    starts = np.array([0, 3, 7], dtype=np.int32)
    narrow, wide = Windows(series, starts, 6, 2, 4), Windows(series, starts.astype(np.int64), 6, 2, 4)
    assert narrow.starts.dtype == torch.int32 and wide.starts.dtype == torch.int64
    for a, b in zip(narrow.batch(torch.arange(3)), wide.batch(torch.arange(3))):
        assert torch.equal(a, b)


def test_marks_by_distinct_time_stamp_give_the_marks_of_every_row():
    # two series sharing time stamps: row r has the calendar of stamp codes[r]
    table = np.arange(10, dtype=np.int16)[:, None] * np.array([1, 2], dtype=np.int16)  # (stamps, fields)
    codes = np.array([0, 1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8, 9])
    values = np.arange(len(codes), dtype=np.float64)[:, None]
    shared = SeriesTensors.from_arrays(values, None, table, mark_rows=codes)
    per_row = SeriesTensors.from_arrays(values, None, table[codes])
    assert shared.mark_rows.dtype == torch.int16 and len(shared.marks) == 10
    starts = np.array([0, 1, 8, 9])
    for a, b in zip(Windows(shared, starts, 4, 2, 3).batch(torch.arange(4)),
                    Windows(per_row, starts, 4, 2, 3).batch(torch.arange(4))):  # fmt: skip
        assert torch.equal(a, b)
    assert torch.equal(SeriesTensors.concat([shared, per_row]).marks, torch.as_tensor(table[codes]).repeat(2, 1))
