"""Loaders that return sktime-ready frames: the bundled ETT data and a user's CSV.

Both loaders return data indexed by a sorted ``pd.DatetimeIndex`` whose ``freq`` is set,
which is what ``InformerForecaster`` (and sktime in general) needs to build the calendar
features and the future index of a forecast.
"""

__all__ = ["load_ett", "load_csv", "ETT_DATASETS"]

import logging
import re
from importlib import resources

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# name -> (file in informer_sk/data, frequency); only ETTh2 ships with the package
ETT_DATASETS = {"ETTh2": ("ETTh2.csv", "h")}


def load_ett(name="ETTh2", target=None):
    """Load a bundled Electricity Transformer Temperature (ETT) data set.

    Parameters
    ----------
    name : str, default="ETTh2"
        Which data set. Only ``"ETTh2"`` (station 2, hourly, 17,420 rows from
        2016-07-01 00:00 to 2018-06-26 19:00) ships with the package.
    target : str, list of str or None, default=None
        ``None`` returns all seven columns (``HUFL``, ``HULL``, ``MUFL``, ``MULL``,
        ``LUFL``, ``LULL``, ``OT``); a column name returns that column as a
        ``pd.Series``; a list of names returns those columns as a ``pd.DataFrame``.

    Returns
    -------
    y : pd.DataFrame or pd.Series
        float64 values indexed by a ``pd.DatetimeIndex`` named ``date``, freq ``"h"``.

    Raises
    ------
    ValueError
        If ``name`` is not a bundled data set or ``target`` names a missing column.

    Notes
    -----
    The data come from the ETDataset repository of the Informer authors and are
    licensed CC BY-ND 4.0 (``informer_sk/data/ETT-LICENSE.txt``); cite Zhou et al.,
    "Informer: Beyond Efficient Transformer for Long Sequence Time-Series
    Forecasting", AAAI 2021, when you use them.

    Examples
    --------
    >>> from informer_sk.datasets import load_ett
    >>> y = load_ett(target="OT")
    >>> y.shape, y.index.freqstr
    ((17420,), 'h')
    """
    if name not in ETT_DATASETS:
        raise ValueError(
            f"name={name!r} is not a bundled data set; bundled: {sorted(ETT_DATASETS)}"
        )
    filename, freq = ETT_DATASETS[name]
    source = resources.files("informer_sk") / "data" / filename
    # as_file gives a real path even when the package is installed as a zip
    with resources.as_file(source) as path:
        return load_csv(path, date_col="date", target=target, freq=freq)


def load_csv(path, date_col="date", target=None, freq=None, sep=",", decimal="."):
    """Load a time series CSV as an sktime-ready frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file: one row per timestamp, one column with the timestamps.
    date_col : str, default="date"
        Name of the timestamp column; it becomes the index.
    target : str, list of str or None, default=None
        ``None`` keeps every numeric column as a ``pd.DataFrame``; a column name returns
        that column as a ``pd.Series``; a list of names returns those columns as a
        ``pd.DataFrame``.
    freq : str or None, default=None
        A pandas frequency alias (``"h"``, ``"15min"``, ``"D"``, ...). ``None`` infers
        it from the timestamps with ``pd.infer_freq``.
    sep : str, default=","
        The field separator, e.g. ``";"`` or ``"\\t"``.
    decimal : str, default="."
        The decimal mark of the numbers, one character: ``","`` for CSVs written with
        decimal commas, which usually separate their fields with ``sep=";"``.

    Returns
    -------
    y : pd.DataFrame or pd.Series
        float64 values indexed by a sorted ``pd.DatetimeIndex`` with ``freq`` set.

    Raises
    ------
    ValueError
        If the file is empty or not CSV text, the date column or a target column is
        missing, the dates cannot be parsed, a timestamp repeats, a target column is not
        numeric, a column of numbers has cells that are not numbers (which, row and
        value are named; a column written with the other decimal mark is named as
        such), the frequency cannot be inferred (or the timestamps do not follow the
        given ``freq``), or ``decimal`` is not one character.
    OSError
        If the file cannot be opened (``FileNotFoundError``, ``PermissionError``, ...).

    Examples
    --------
    >>> import io
    >>> from informer_sk.datasets import load_csv
    >>> csv = io.StringIO("date,load\\n2024-01-02,3\\n2024-01-01,1\\n2024-01-03,2\\n")
    >>> y = load_csv(csv, target="load")
    >>> y.index.freqstr, y.tolist()
    ('D', [1.0, 3.0, 2.0])

    A CSV with decimal commas:

    >>> csv = io.StringIO("date;load\\n2024-01-01;1,5\\n2024-01-02;2,25\\n2024-01-03;3\\n")
    >>> load_csv(csv, target="load", sep=";", decimal=",").tolist()
    [1.5, 2.25, 3.0]
    """
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise ValueError(f"decimal={decimal!r} must be one character, e.g. '.' or ','")
    data = _read(path, sep, decimal)
    if date_col not in data.columns:
        raise ValueError(
            f"date_col={date_col!r} is not a column of {path}; "
            f"columns: {list(data.columns)}" + _separator_hint(data.columns, date_col, sep)
        )
    try:
        index = pd.DatetimeIndex(pd.to_datetime(data[date_col]), name=date_col)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"cannot parse column date_col={date_col!r} of {path} as dates: {err}"
        ) from err
    data = data.drop(columns=date_col)
    # checked before sorting, so that the rows named are the file's
    columns = _select_columns(data, target, path, index, decimal)
    data = data.set_axis(index, axis=0).sort_index()

    duplicated = data.index[data.index.duplicated()]
    if len(duplicated):
        raise ValueError(
            f"{path} has {len(duplicated)} duplicated timestamps in column "
            f"{date_col!r}, first: {list(duplicated[:3].astype(str))}; "
            "a time series needs one row per timestamp"
        )

    values = data[columns].astype("float64")
    values.index.freq = _resolve_freq(values.index, freq, path)
    if isinstance(target, str):
        return values[target]
    return values


def _read(path, sep, decimal):
    """The CSV as read by pandas, with pandas' parse errors said in this file's terms."""
    try:
        return pd.read_csv(path, sep=sep, decimal=decimal, float_precision="round_trip")
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: a CSV needs a header row and data rows") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"cannot read {path} as a CSV with sep={sep!r}: {err}") from None
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text ({err.reason} at byte {err.start}); "
            "save it as UTF-8 CSV"
        ) from None


def _separator_hint(columns, date_col, sep):
    """Advice when the header is one column that another separator would split."""
    if len(columns) != 1:
        return ""
    for candidate in (",", ";", "\t", "|"):
        if candidate != sep and date_col in str(columns[0]).split(candidate):
            return f"; the header splits on {candidate!r}: pass sep={candidate!r}"
    return ""


def _select_columns(data, target, path, dates, decimal):
    """Column names picked by ``target``, checked to exist and to be numeric.

    A text column whose cells are mostly numbers is a column of numbers with a typo
    or a marker in it, and one whose cells are all numbers with the other decimal
    mark is a column of numbers read with the wrong ``decimal``: both are reported
    rather than dropped, or the data a user meant to forecast would silently go
    missing.
    """
    if target is None:
        # bool is numeric to pandas but not a series to forecast
        columns = [c for c in data.columns if _is_numeric(data[c])]
        for c in data.columns:
            if c not in columns and not pd.api.types.is_bool_dtype(data[c]):
                _check_numbers(data[c], path, dates, decimal)
        if not columns:
            raise ValueError(f"{path} has no numeric column besides the dates")
        return columns

    columns = [target] if isinstance(target, str) else list(target)
    if not columns:
        raise ValueError("target=[] selects no column; pass None for all numeric")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"target column(s) {missing} not in {path}; columns: {list(data.columns)}"
        )
    non_numeric = [c for c in columns if not _is_numeric(data[c])]
    for c in non_numeric:
        _check_numbers(data[c], path, dates, decimal)
    if non_numeric:
        raise ValueError(
            f"target column(s) {non_numeric} of {path} are not numeric "
            f"(dtypes: {[str(data[c].dtype) for c in non_numeric]})"
        )
    return columns


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _check_numbers(column, path, dates, decimal, shown=5):
    """Raise naming the cells that are not numbers when most of ``column``'s are.

    ``column`` holds the file's text, since pandas could not read it as numbers. When
    every cell is a number written with the other decimal mark, that mark is the fix.
    """
    filled = column.notna().to_numpy()
    text = column.astype("string")
    rows = np.flatnonzero(filled & _as_numbers(text, decimal).isna().to_numpy())
    if not len(rows):
        return
    for mark in (".", ","):
        if mark != decimal and _all_numbers_with(text[filled], mark):
            raise ValueError(
                f"column {column.name!r} of {path} holds numbers written with the "
                f"decimal mark {mark!r}, e.g. {_cells(column, rows, dates, 1)}, but "
                f"decimal={decimal!r}: pass decimal={mark!r}"
            )
    if 2 * len(rows) > filled.sum():
        return  # a text column: not a series to forecast
    more = f" and {len(rows) - shown} more" if len(rows) > shown else ""
    raise ValueError(
        f"column {column.name!r} of {path} holds numbers but {len(rows)} cell(s) are "
        f"not numbers: {_cells(column, rows, dates, shown)}{more}; correct them, or "
        "empty them and fill the gaps"
    )


def _cells(column, rows, dates, shown):
    """The first ``shown`` of ``column``'s cells at ``rows``, with their file row and date."""
    return ", ".join(
        f"{column.iloc[i]!r} on data row {i + 1} ({dates.name} {dates[i]})"
        for i in rows[:shown]
    )


def _as_numbers(text, decimal):
    """``text`` as numbers read with the decimal mark ``decimal``; NaN where not one."""
    if decimal != ".":
        # a "." is no decimal mark here, so a cell holding one is no number to pandas
        text = text.where(~text.str.contains(".", regex=False)).str.replace(
            decimal, ".", regex=False
        )
    return pd.to_numeric(text, errors="coerce")


def _all_numbers_with(text, mark):
    """Whether every cell of ``text`` is a number with decimal mark ``mark``, one using it.

    Only then would reading the file with ``decimal=mark`` make the column numbers:
    a cell that is a number with the other mark, or no number at all, would still be
    text.
    """
    digits = r"[+-]?(?:\d+(?:{m}\d*)?|{m}\d+)(?:[eE][+-]?\d+)?".format(m=re.escape(mark))
    return (
        len(text) > 0
        and bool(text.str.fullmatch(r"\s*" + digits + r"\s*").all())
        and bool(text.str.contains(mark, regex=False).any())
    )


def _resolve_freq(index, freq, path):
    """The frequency to set on ``index``: ``freq`` checked, or inferred."""
    if freq is None:
        if len(index) < 3:
            raise ValueError(
                f"cannot infer the frequency of {path} from {len(index)} timestamps; "
                "pass freq= (e.g. freq='h')"
            )
        freq = pd.infer_freq(index)
        if freq is None:
            raise ValueError(
                f"cannot infer the frequency of the timestamps in {path}: fill any "
                "missing timestamps, or pass freq= (e.g. freq='h') if they are regular"
            )
        return freq
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as err:
        raise ValueError(
            f"freq={freq!r} is not a pandas frequency alias: {err}"
        ) from err
    try:
        # a throwaway copy: setting freq validates every timestamp against it
        pd.DatetimeIndex(index).freq = offset
    except ValueError as err:
        raise ValueError(
            f"the timestamps of {path} do not follow freq={freq!r} (missing or "
            f"irregular timestamps?): {err}"
        ) from err
    return offset
