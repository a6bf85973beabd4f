"""Calendar fields for any frequency, and none without a calendar."""

import numpy as np
import pandas as pd
import pytest

from informer_sk.calendar import calendar_marks, calendar_spec

FREQS = {
    "s": ("second", "minute", "hour", "dayofweek", "day", "dayofyear"),
    "15min": ("minute", "hour", "dayofweek", "day", "dayofyear"),
    "h": ("hour", "dayofweek", "day", "dayofyear"),
    "2h": ("hour", "dayofweek", "day", "dayofyear"),
    "D": ("dayofweek", "day", "dayofyear"),
    "B": ("dayofweek", "day", "dayofyear"),
    "W": ("day", "weekofyear", "month"),
    "W-WED": ("day", "weekofyear", "month"),
    "MS": ("month",),
    "ME": ("month",),
    "QS": ("month",),
    "YS": (),
}


@pytest.mark.parametrize("freq", FREQS)
def test_fields_follow_the_step_of_the_frequency(freq):
    index = pd.date_range("2019-12-30", periods=400, freq=freq)
    spec = calendar_spec(index)
    assert spec.fields == FREQS[freq]
    marks = calendar_marks(index, spec)
    assert marks.shape == (400, len(spec.fields))
    # the smallest type that holds every field: int16 only where a field passes 127
    assert marks.dtype == (np.int16 if "dayofyear" in spec.fields else np.int8)
    if marks.size:
        assert (marks >= 0).all()
        assert (marks < np.array(spec.sizes)).all()


def test_hourly_marks_are_the_calendar():
    index = pd.date_range("2016-07-01 00:00", periods=30, freq="h")  # a Friday
    marks = calendar_marks(index, calendar_spec(index))
    hour, dayofweek, day, dayofyear = marks.T
    np.testing.assert_array_equal(hour[:25], list(range(24)) + [0])
    assert dayofweek[0] == 4 and dayofweek[24] == 5
    assert day[0] == 0 and day[24] == 1
    assert dayofyear[0] == pd.Timestamp("2016-07-01").dayofyear - 1


def test_period_index_gets_the_same_fields_as_timestamps():
    periods = pd.period_range("2020-01", periods=24, freq="M")
    spec = calendar_spec(periods)
    assert spec.fields == ("month",)
    np.testing.assert_array_equal(calendar_marks(periods, spec)[:12, 0], np.arange(12))


def test_integer_index_has_no_calendar():
    spec = calendar_spec(pd.RangeIndex(10))
    assert spec.fields == () and spec.sizes == ()
    assert calendar_marks(pd.RangeIndex(10), spec).shape == (10, 0)


def test_irregular_index_without_freq_raises_clear_error():
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06"])
    with pytest.raises(ValueError, match="frequency"):
        calendar_spec(index)
