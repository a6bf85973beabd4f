"""Loaders that return sktime-ready frames: the bundled ETT data and a user's CSV.

Both loaders return data indexed by a sorted ``pd.DatetimeIndex`` whose ``freq`` is set,
which is what ``InformerForecaster`` (and sktime in general) needs to build the calendar
features and the future index of a forecast.
"""

__all__ = ["load_ett", "load_csv", "ETT_DATASETS"]

import logging
from importlib import resources

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


def load_csv(path, date_col="date", target=None, freq=None):
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

    Returns
    -------
    y : pd.DataFrame or pd.Series
        float64 values indexed by a sorted ``pd.DatetimeIndex`` with ``freq`` set.

    Raises
    ------
    ValueError
        If the date column or a target column is missing, the dates cannot be parsed,
        a timestamp repeats, a target column is not numeric, or the frequency cannot be
        inferred (or the timestamps do not follow the given ``freq``).

    Examples
    --------
    >>> import io
    >>> from informer_sk.datasets import load_csv
    >>> csv = io.StringIO("date,load\\n2024-01-02,3\\n2024-01-01,1\\n2024-01-03,2\\n")
    >>> y = load_csv(csv, target="load")
    >>> y.index.freqstr, y.tolist()
    ('D', [1.0, 3.0, 2.0])
    """
    data = pd.read_csv(path, float_precision="round_trip")
    if date_col not in data.columns:
        raise ValueError(
            f"date_col={date_col!r} is not a column of {path}; "
            f"columns: {list(data.columns)}"
        )
    try:
        index = pd.DatetimeIndex(pd.to_datetime(data[date_col]), name=date_col)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"cannot parse column date_col={date_col!r} of {path} as dates: {err}"
        ) from err
    data = data.drop(columns=date_col).set_axis(index, axis=0).sort_index()

    duplicated = data.index[data.index.duplicated()]
    if len(duplicated):
        raise ValueError(
            f"{path} has {len(duplicated)} duplicated timestamps in column "
            f"{date_col!r}, first: {list(duplicated[:3].astype(str))}; "
            "a time series needs one row per timestamp"
        )

    columns = _select_columns(data, target, path)
    values = data[columns].astype("float64")
    values.index.freq = _resolve_freq(values.index, freq, path)
    if isinstance(target, str):
        return values[target]
    return values


def _select_columns(data, target, path):
    """Column names picked by ``target``, checked to exist and to be numeric."""
    if target is None:
        # bool is numeric to pandas but not a series to forecast
        columns = [
            c
            for c in data.columns
            if pd.api.types.is_numeric_dtype(data[c])
            and not pd.api.types.is_bool_dtype(data[c])
        ]
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
    non_numeric = [
        c
        for c in columns
        if not pd.api.types.is_numeric_dtype(data[c])
        or pd.api.types.is_bool_dtype(data[c])
    ]
    if non_numeric:
        raise ValueError(
            f"target column(s) {non_numeric} of {path} are not numeric "
            f"(dtypes: {[str(data[c].dtype) for c in non_numeric]})"
        )
    return columns


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
