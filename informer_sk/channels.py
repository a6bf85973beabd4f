"""Channel independence: every column of ``y`` a univariate series of one shared network.

With ``channel_independent=True`` the forecaster moves the columns of ``y`` into an
extra panel level, :data:`CHANNEL`, just before time (:func:`to_channels`), before
the per-series context is built: ``series`` then scales every (series, column) with
its own statistics and ``windows`` draws univariate windows from each, never across
two. Exogenous ``X`` is shared by all columns: every series of it is repeated once
per column (:func:`repeat_for_channels`). Forecasts come back one column per channel
(:func:`from_channels`), in the index and columns of the user's ``y``.
"""

__all__ = [
    "CHANNEL",
    "TARGET",
    "fitted_columns",
    "from_channels",
    "repeat_for_channels",
    "to_channels",
]

import pandas as pd

from informer_sk.windows import join_panel, split_panel

CHANNEL = "__channel__"  # the index level that holds the column names of y
TARGET = "y"  # the one column of every channel series


def to_channels(y):
    """Every column of every series of ``y`` as its own univariate series.

    Parameters
    ----------
    y : pd.DataFrame
        One series (a plain time index), or a panel or hierarchy.

    Returns
    -------
    pd.DataFrame
        One column, :data:`TARGET`; the index levels of ``y`` with :data:`CHANNEL`
        (the column names) inserted before time. Series in the order of ``y``, and
        within a series in the order of its columns.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    >>> panel = to_channels(y)
    >>> panel.index.tolist()
    [('a', 0), ('a', 1), ('b', 0), ('b', 1)]
    >>> from_channels(panel).equals(y)
    True
    """
    return _per_channel(y, y.columns, lambda y_i, column: y_i[[column]].set_axis([TARGET], axis=1))


def repeat_for_channels(X, columns):
    """``X`` repeated for every channel of ``columns``, as :func:`to_channels` lays out ``y``.

    Parameters
    ----------
    X : pd.DataFrame or None
        Exogenous series on the index of ``y`` (or of the horizon).
    columns : list
        The columns of ``y``.

    Returns
    -------
    pd.DataFrame or None
    """
    if X is None:
        return None
    X = X.to_frame() if isinstance(X, pd.Series) else X
    return _per_channel(X, columns, lambda X_i, _: X_i)


def _per_channel(frame, columns, part_of):
    names = [*frame.index.names[:-1], CHANNEL, frame.index.names[-1]]
    parts = []
    for key, part in split_panel(frame):
        prefix = () if key is None else key if isinstance(key, tuple) else (key,)
        parts.extend(((*prefix, column), part_of(part, column)) for column in columns)
    return join_panel(parts, names)


def from_channels(frame):
    """Inverse of :func:`to_channels` for forecasts: the channels back into columns.

    Parameters
    ----------
    frame : pd.DataFrame
        Forecasts of every channel series, with the :data:`CHANNEL` level anywhere
        in the index; every channel holds the same rows. Columns :data:`TARGET`, or
        (:data:`TARGET`, level) pairs for quantiles.

    Returns
    -------
    pd.DataFrame
        Without the :data:`CHANNEL` level; a column per channel, in their order (or
        (channel, level) pairs), rows in their order.
    """
    channels = frame.index.get_level_values(CHANNEL)
    parts = []
    for channel in channels.unique():
        part = frame[channels == channel].droplevel(CHANNEL)
        if isinstance(part.columns, pd.MultiIndex):
            columns = pd.MultiIndex.from_tuples([(channel, *c[1:]) for c in part.columns])
        else:
            columns = [channel]
        parts.append(part.set_axis(columns, axis=1))
    return pd.concat(parts, axis=1)


def fitted_columns(y, columns, method):
    """``y`` as a frame of the fitted ``columns`` in their order; raise where they differ.

    Every fitted column is a series of its own, so ``update`` and ``predict_windows``
    need all of them: a missing column would fall behind the cutoff.
    """
    frame = y.to_frame() if isinstance(y, pd.Series) else y
    if frame.shape[1] == 1 and len(columns) == 1:  # a univariate Series under another name
        return frame.set_axis(columns, axis=1)
    if frame.shape[1] != len(columns) or set(frame.columns) != set(columns):
        raise ValueError(
            f"y passed to {method} has columns {list(frame.columns)}, but the forecaster "
            f"was fitted on columns {list(columns)}; with channel_independent=True every "
            "fitted column is a series of its own, so pass all of them (refit to change "
            "them)."
        )
    return frame[columns]
