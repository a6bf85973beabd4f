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
