"""Tests for the bundled ETT loader and the CSV loader."""

import hashlib
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from informer_sk.datasets import load_csv, load_ett

ETT_COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
# CC BY-ND allows no changes: the bundled copy must stay byte-identical to the original
ETTH2_SHA256 = "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b"


@pytest.fixture(scope="module")
def etth2():
    return load_ett()


def test_load_ett_shape_index_columns_dtypes(etth2):
    assert etth2.shape == (17420, 7)
    assert list(etth2.columns) == ETT_COLUMNS
    assert (etth2.dtypes == "float64").all()
    assert isinstance(etth2.index, pd.DatetimeIndex)
    assert etth2.index.freqstr == "h"
    assert etth2.index.name == "date"
    assert etth2.index[0] == pd.Timestamp("2016-07-01 00:00")
    assert etth2.index[-1] == pd.Timestamp("2018-06-26 19:00")
    assert not etth2.isna().any().any()


def test_load_ett_target_series(etth2):
    y = load_ett(target="OT")
    assert isinstance(y, pd.Series)
    assert y.name == "OT"
    assert y.index.freqstr == "h"
    pd.testing.assert_series_equal(y, etth2["OT"])


def test_load_ett_target_list():
    y = load_ett(target=["OT", "HUFL"])
    assert list(y.columns) == ["OT", "HUFL"]
    assert y.index.freqstr == "h"


def test_load_ett_unknown_name_lists_bundled():
    with pytest.raises(ValueError, match="ETTh2") as err:
        load_ett("ETTm1")
    assert "ETTm1" in str(err.value)


def test_bundled_file_is_unchanged():
    data = (resources.files("informer_sk") / "data" / "ETTh2.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == ETTH2_SHA256


def test_bundled_licence_and_readme_ship():
    data = resources.files("informer_sk") / "data"
    assert "Attribution-NoDerivatives 4.0" in (data / "ETT-LICENSE.txt").read_text()
    assert "Informer" in (data / "README.md").read_text()


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


HOURLY = """\
date,site,load,temp
2024-01-01 02:00,a,3.0,10
2024-01-01 00:00,a,1.0,11
2024-01-01 01:00,a,2.0,12
2024-01-01 03:00,a,4.0,13
"""


def test_load_csv_sorts_infers_freq_and_keeps_numeric(tmp_path):
    y = load_csv(_write(tmp_path, HOURLY))
    assert list(y.columns) == ["load", "temp"]  # the text column is dropped
    assert (y.dtypes == "float64").all()
    assert y.index.is_monotonic_increasing
    assert y.index.freqstr == "h"
    assert y.index.name == "date"
    assert y["load"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_load_csv_target_name_and_list(tmp_path):
    path = _write(tmp_path, HOURLY)
    y = load_csv(path, target="temp")
    assert isinstance(y, pd.Series)
    assert y.name == "temp"
    assert y.tolist() == [11.0, 12.0, 10.0, 13.0]
    assert y.index.freqstr == "h"
    assert list(load_csv(path, target=["temp", "load"]).columns) == ["temp", "load"]


def test_load_csv_given_freq_and_date_col(tmp_path):
    path = _write(tmp_path, "day,v\n2024-01-01,1\n2024-01-02,2\n")
    y = load_csv(path, date_col="day", target="v", freq="D")
    assert y.index.freqstr == "D"
    assert y.index.name == "day"


def test_load_csv_missing_date_col(tmp_path):
    with pytest.raises(ValueError, match="date_col='time'.*columns"):
        load_csv(_write(tmp_path, HOURLY), date_col="time")


def test_load_csv_missing_target(tmp_path):
    with pytest.raises(ValueError, match=r"\['nope'\] not in"):
        load_csv(_write(tmp_path, HOURLY), target=["load", "nope"])


def test_load_csv_non_numeric_target(tmp_path):
    with pytest.raises(ValueError, match=r"\['site'\].*not numeric"):
        load_csv(_write(tmp_path, HOURLY), target="site")


def test_load_csv_duplicated_timestamps(tmp_path):
    text = HOURLY + "2024-01-01 01:00,a,5.0,14\n"
    with pytest.raises(ValueError, match="1 duplicated timestamps.*2024-01-01 01:00"):
        load_csv(_write(tmp_path, text))


def test_load_csv_frequency_not_inferable(tmp_path):
    text = "date,v\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 05:00,3\n"
    with pytest.raises(ValueError, match="cannot infer the frequency.*pass freq="):
        load_csv(_write(tmp_path, text))


def test_load_csv_too_few_rows_to_infer(tmp_path):
    with pytest.raises(ValueError, match="pass freq="):
        load_csv(_write(tmp_path, "date,v\n2024-01-01,1\n2024-01-02,2\n"))


def test_load_csv_timestamps_off_the_given_freq(tmp_path):
    with pytest.raises(ValueError, match="do not follow freq='D'"):
        load_csv(_write(tmp_path, HOURLY), freq="D")


def test_load_csv_bad_freq_alias(tmp_path):
    with pytest.raises(ValueError, match="freq='fortnightly' is not a pandas"):
        load_csv(_write(tmp_path, HOURLY), freq="fortnightly")


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_load_csv_unparseable_dates(tmp_path):
    with pytest.raises(ValueError, match="cannot parse column date_col='date'"):
        load_csv(_write(tmp_path, "date,v\nyesterday,1\ntoday,2\ntomorrow,3\n"))


def test_load_csv_no_numeric_column(tmp_path):
    with pytest.raises(ValueError, match="no numeric column"):
        load_csv(_write(tmp_path, "date,v\n2024-01-01,a\n2024-01-02,b\n"))


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(
        st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=40
    ),
    freq=st.sampled_from(["h", "15min", "D", "MS"]),
    seed=st.integers(0, 2**16),
)
def test_load_csv_round_trips_shuffled_rows(tmp_path_factory, values, freq, seed):
    index = pd.date_range("2021-03-01", periods=len(values), freq=freq, name="date")
    expected = pd.Series(values, index=index, name="v", dtype="float64")
    shuffled = expected.sample(frac=1.0, random_state=seed)
    path = tmp_path_factory.mktemp("csv") / "v.csv"
    shuffled.to_csv(path)
    y = load_csv(path, target="v")
    assert y.index.freqstr == index.freqstr
    np.testing.assert_allclose(y.to_numpy(), expected.to_numpy(), rtol=1e-15)
    assert y.index.equals(expected.index)


# the rows are out of order in the file: data rows are counted as they are written
TYPO = """\
date,site,load,temp
2024-01-01 02:00,a,3.0,10
2024-01-01 00:00,a,1.0,11
2024-01-01 01:00,a,oops,12
2024-01-01 03:00,a,4.0,13
"""


@pytest.mark.parametrize("target", [None, "load", ["temp", "load"]])
def test_load_csv_names_text_cells_in_a_number_column(tmp_path, target):
    # before, target=None dropped 'load' as a text column without a word
    with pytest.raises(ValueError) as err:
        load_csv(_write(tmp_path, TYPO), target=target)
    assert str(err.value).startswith("column 'load' of ")
    assert "1 cell(s) are not numbers: 'oops' on data row 3 (date 2024-01-01 01:00:00)" in str(
        err.value
    )


def test_load_csv_text_cell_in_unselected_column_is_no_error(tmp_path):
    assert load_csv(_write(tmp_path, TYPO), target="temp").tolist() == [11.0, 12.0, 10.0, 13.0]


def test_load_csv_lists_at_most_five_text_cells(tmp_path):
    values = ["?"] * 7 + [str(v) for v in range(10)]
    text = "date,v\n" + "".join(f"2024-01-{d + 1:02d},{v}\n" for d, v in enumerate(values))
    with pytest.raises(ValueError, match=r"7 cell\(s\).*on data row 5 .* and 2 more;"):
        load_csv(_write(tmp_path, text))


def test_load_csv_mostly_text_column_is_dropped(tmp_path):
    text = "date,note,v\n2024-01-01,a,1\n2024-01-02,2,2\n2024-01-03,c,3\n"
    assert list(load_csv(_write(tmp_path, text)).columns) == ["v"]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_load_csv_sep(tmp_path, sep):
    path = _write(tmp_path, HOURLY.replace(",", sep))
    assert load_csv(path, sep=sep)["load"].tolist() == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_load_csv_wrong_sep_suggests_the_right_one(tmp_path, sep):
    path = _write(tmp_path, HOURLY.replace(",", sep))
    with pytest.raises(ValueError, match=re.escape(f"the header splits on {sep!r}: pass sep={sep!r}")):
        load_csv(path)


def test_load_csv_empty_file(tmp_path):
    with pytest.raises(ValueError, match="is empty: a CSV needs a header row"):
        load_csv(_write(tmp_path, ""))


def test_load_csv_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,température\n2024-01-01,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text .*save it as UTF-8"):
        load_csv(path)


def test_load_csv_ragged_rows(tmp_path):
    text = "date,v\n2024-01-01,1\n2024-01-02,2,7,8\n2024-01-03,3\n"
    with pytest.raises(ValueError, match="cannot read .* as a CSV with sep=','.*line 3"):
        load_csv(_write(tmp_path, text))


def test_load_csv_missing_file_is_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "absent.csv")


# a European CSV: fields separated by ";", decimal commas, one integer-valued column
EUROPEAN = """\
date;load;temp
2024-01-01 00:00;1,5;10
2024-01-01 01:00;2,25;11
2024-01-01 02:00;-0,5e1;12
2024-01-01 03:00;4;13
"""


def test_load_csv_decimal_comma(tmp_path):
    y = load_csv(_write(tmp_path, EUROPEAN), sep=";", decimal=",")
    assert list(y.columns) == ["load", "temp"]
    assert y["load"].tolist() == [1.5, 2.25, -5.0, 4.0]


@pytest.mark.parametrize("target", [None, "load"])
def test_load_csv_decimal_commas_read_with_a_point_suggest_decimal_comma(tmp_path, target):
    # before, target=None dropped 'load' as a text column and kept only 'temp'
    with pytest.raises(ValueError) as err:
        load_csv(_write(tmp_path, EUROPEAN), sep=";", target=target)
    assert str(err.value).startswith("column 'load' of ")
    assert "numbers written with the decimal mark ','" in str(err.value)
    assert "'1,5' on data row 1 (date 2024-01-01 00:00:00)" in str(err.value)
    assert str(err.value).endswith("but decimal='.': pass decimal=','")
    # the advice, followed, reads the file
    assert load_csv(_write(tmp_path, EUROPEAN), sep=";", decimal=",", target="load").size == 4


def test_load_csv_decimal_points_read_with_a_comma_suggest_decimal_point(tmp_path):
    path = _write(tmp_path, HOURLY.replace(",", ";"))
    with pytest.raises(ValueError, match=re.escape("but decimal=',': pass decimal='.'")):
        load_csv(path, sep=";", decimal=",", target="load")


@pytest.mark.parametrize(
    ("cells", "bad"),
    [(["1,5", "2.5", "3", "4"], "'2.5' on data row 2"),  # both marks: neither reads it all
     (["1,5", "oops", "3", "4"], "'oops' on data row 2")],  # a typo besides
)  # fmt: skip
def test_load_csv_no_decimal_advice_where_it_would_not_read_the_column(tmp_path, cells, bad):
    text = "date;v\n" + "".join(f"2024-01-0{d + 1};{c}\n" for d, c in enumerate(cells))
    for decimal in (".", ","):
        with pytest.raises(ValueError, match="cell\\(s\\) are not numbers") as err:
            load_csv(_write(tmp_path, text), sep=";", decimal=decimal)
        assert "pass decimal" not in str(err.value)
    assert bad in str(err.value)  # the bad cell read with decimal=","


def test_load_csv_quoted_decimal_commas_in_a_comma_separated_file(tmp_path):
    path = _write(tmp_path, 'date,v\n2024-01-01,"1,5"\n2024-01-02,2\n2024-01-03,3\n')
    with pytest.raises(ValueError, match="pass decimal=','"):
        load_csv(path)
    assert load_csv(path, decimal=",")["v"].tolist() == [1.5, 2.0, 3.0]


@pytest.mark.parametrize("decimal", ["", ",,", 1])
def test_load_csv_bad_decimal(tmp_path, decimal):
    with pytest.raises(ValueError, match="must be one character"):
        load_csv(_write(tmp_path, HOURLY), decimal=decimal)
