"""The main job: train an Informer on a CSV, test it against naive baselines, forecast.

``python -m informer_sk`` (or the ``informer-sk`` console script) runs :func:`main`:

1. load a CSV (default: the bundled ETTh2) as an sktime-ready frame;
2. hold out its end for testing (for the bundled ETTh2, the Informer paper's split);
3. fit the model of :func:`build_model` (by default the validated recipe, an
   ``InformerEnsemble`` of two CPU-sized Informers; ``--model informer`` for one
   ``InformerForecaster``) and two naive baselines on the rest;
4. forecast the held-out part from non-overlapping rolling origins - the Informer's in
   one batched ``predict_windows`` call, the baselines' by moving their cutoff with
   ``update(..., update_params=False)`` - and print MSE and MAE on the standardised
   scale the paper reports;
5. forecast the ``pred_len`` steps after the file's last timestamp; write them to CSV,
   only when every step succeeded and atomically, so that a failed or interrupted run
   leaves an earlier run's file as it was.

The flags and the device are checked before the data are read, and the data (the
covariates' future for MS included) before any model is fitted; an error is reported
in one line, with exit status 2.

The flags keep the names of the original ``main_informer.py`` where they mean the same;
each is also accepted with hyphens for underscores (``--pred-len`` for ``--pred_len``).
"""

__all__ = ["main", "build_parser", "build_model", "seasonal_period", "check_device"]

import argparse
import contextlib
import copy
import logging
import os
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from informer_sk import __version__
from informer_sk.datasets import load_csv, load_ett
from informer_sk.ensemble import seasonal_period
from informer_sk.runtime import PRECISIONS, resolve_device

logger = logging.getLogger(__name__)

# The paper's split of the hourly ETT sets: 12 months train, 4 validate, 4 test, at 30
# days a month.
PAPER_FIT_ROWS = (12 + 4) * 30 * 24
PAPER_TEST_END = (12 + 4 + 4) * 30 * 24
PAPER_VALIDATION_SIZE = 4 / 16
# a CSV is split as the original splits custom data: 70% train, 10% validate, 20% test
DEFAULT_TEST_SIZE = 0.2
VALIDATION_FRACTION = 0.1
_REMEMBER_DATA_WARNING = "The default of config ``remember_data``"
# load_csv's parameters in its messages ("pass sep=';'"), said as the flags to pass
_LOADER_PARAMETER = re.compile(r"\b(date_col|sep|decimal|freq)=('[^']*')?")

_FEATURES_HELP = """\
S: forecast the target alone; M: forecast every numeric column;
MS: forecast the target with the other numeric columns as exogenous inputs. MS needs
the covariates' future values: the CSV must end with at least --pred_len rows whose
target is empty and whose covariates are filled (for the held-out test the covariates
are taken from the data)"""


# (flag, type, default, metavar, help) of the model and training flags, named as in
# main_informer.py (but --seed); the defaults are CPU-sized: the original's are
# d_model 512, n_heads 8, d_ff 2048 and a learning rate of 1e-4
_MODEL_FLAGS = [
    ("--seq_len", int, 96, "N", "encoder input length"),
    ("--label_len", int, 48, "N", "decoder start-token length"),
    ("--pred_len", int, 24, "N", "forecast horizon, in steps"),
    ("--d_model", int, 64, "N", "model width"),
    ("--n_heads", int, 4, "N", "attention heads"),
    ("--e_layers", int, 2, "N", "encoder layers"),
    ("--d_layers", int, 1, "N", "decoder layers"),
    ("--d_ff", int, 128, "N", "feed-forward width"),
    ("--factor", int, 5, "N", "ProbSparse sampling factor c"),
    ("--dropout", float, 0.05, "RATE", "dropout rate"),
]
_TRAINING_FLAGS = [
    ("--train_epochs", int, 6, "N", "most training epochs"),
    ("--batch_size", int, 32, "N", "batch size"),
    ("--learning_rate", float, 1e-3, "RATE", "initial Adam learning rate, halved every epoch"),
    ("--patience", int, 3, "N", "early-stopping patience, in epochs"),
    ("--seed", int, 0, "N", "random seed"),
]


def _periods(value):
    """``--residual_periods``: a positive integer or 'auto'."""
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a positive integer nor 'auto'"
        ) from None


def _separator(value):
    """``--sep``: the typed two characters ``\\t`` stand for a tab."""
    if not value:
        raise argparse.ArgumentTypeError("the separator must not be empty")
    return "\t" if value == "\\t" else value


def _decimal(value):
    """``--decimal``: one character."""
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not one character, e.g. '.' or ','")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """Help that lists each flag once, in its canonical spelling, not its aliases."""

    def _format_action_invocation(self, action):
        if len(action.option_strings) > 1 and action.option_strings[0].startswith("--"):
            action = copy.copy(action)
            action.option_strings = action.option_strings[:1]
        return super()._format_action_invocation(action)


def _add_flag(group, flag, **kwargs):
    """Add ``flag`` (underscores, as in main_informer.py) and its hyphenated spelling."""
    spellings = dict.fromkeys([flag, "--" + flag[2:].replace("_", "-")])
    group.add_argument(*spellings, dest=flag[2:], **kwargs)


def check_device(device):
    """Raise unless torch can compute on ``device``; a front for the ``--device`` flag.

    Parameters
    ----------
    device : str
        ``"auto"`` or a torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
        ``"mps"``, ...).

    Raises
    ------
    ValueError
        If ``device`` is not a device name, or torch cannot make and read back a tensor
        on it (no such hardware or driver, a backend torch was not built with, or
        ``"meta"``, which holds no data); the message lists the devices present.

    Examples
    --------
    >>> from informer_sk.cli import check_device
    >>> check_device("cpu")
    >>> check_device("banana")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --device 'banana' is not a torch device name; available here: 'auto', 'cpu'...
    """
    if device == "auto":
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"--device {device!r} is not a torch device name; available here: "
            f"{_available_devices()}"
        ) from None
    try:
        (torch.ones(2, device=parsed) * 2).sum().item()
    # each backend fails its own way (AssertionError for CUDA in a CPU build,
    # NotImplementedError, ModuleNotFoundError, RuntimeError): any failure means unusable
    except Exception as err:  # noqa: BLE001
        reason = (str(err).splitlines() or [type(err).__name__])[0]
        reason = reason if len(reason) <= 120 else reason[:117] + "..."
        raise ValueError(
            f"--device {device!r} cannot be used on this machine ({reason}); "
            f"available here: {_available_devices()}"
        ) from None


def _check_precision(precision, device):
    """Raise unless ``--precision`` can run on ``--device`` (``"auto"`` as it resolves here)."""
    if precision == "fp32":
        return
    resolved = resolve_device(device)
    if precision == "tf32" and resolved.type != "cuda":
        raise ValueError(
            f"--precision tf32 is a mode of CUDA GPUs, and --device {device} computes on "
            f"{resolved.type} here; use --precision fp32"
        )
    if precision == "bf16" and resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"--precision bf16 runs on CUDA and on CPUs, and --device {device} computes on "
            f"{resolved.type} here; use --precision fp32, or --device cpu"
        )


def _available_devices():
    """The devices torch can use here, as a --device user would type them."""
    names = ["auto", "cpu"]
    if torch.cuda.is_available():
        names += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return ", ".join(repr(name) for name in names)


def build_parser():
    """The argument parser of the main job.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="informer-sk",
        description=(
            "Train an Informer on a time series CSV (default: the bundled ETTh2), "
            "compare it with naive forecasts on a held-out test part, and forecast "
            "the steps after the data's last timestamp. Every flag may be spelled "
            "with hyphens for underscores (--pred-len for --pred_len)."
        ),
        formatter_class=_HelpFormatter,
        # a prefix such as --pred would be ambiguous between the two spellings of a
        # flag, and prefixes break whenever a flag is added: flags are typed in full
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="PATH",
        help="CSV with a date column and numeric columns (default: bundled ETTh2)",
    )
    _add_flag(
        data,
        "--date_col",
        default="date",
        metavar="NAME",
        help="name of the CSV's timestamp column (default: %(default)s)",
    )
    _add_flag(
        data,
        "--sep",
        type=_separator,
        metavar="CHAR",
        default=",",
        help="the CSV's field separator, e.g. ';', or \\t for a tab (default: '%(default)s')",
    )
    data.add_argument(
        "--decimal",
        type=_decimal,
        metavar="CHAR",
        default=".",
        help="the decimal mark of the CSV's numbers, e.g. ',' for a CSV with decimal "
        "commas, whose fields are then usually separated by ';' (default: '%(default)s')",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="column to forecast (default: OT for the bundled data, else the CSV's "
        "last numeric column)",
    )
    data.add_argument(
        "--features",
        choices=["S", "M", "MS"],
        default="S",
        help=_FEATURES_HELP + " (default: %(default)s)",
    )
    data.add_argument(
        "--freq",
        metavar="ALIAS",
        help="pandas frequency alias of the CSV's timestamps, e.g. h, 15min, D "
        "(default: inferred)",
    )
    _add_flag(
        data,
        "--test_size",
        type=float,
        metavar="FRACTION",
        help="fraction of the rows held out at the end for testing; the 10%% of rows "
        "before them decide early stopping (default: the paper's split for the "
        "bundled ETTh2 - fit on rows [0, 11520), the last 2880 of them for early "
        f"stopping, test on [11520, 14400) - else {DEFAULT_TEST_SIZE})",
    )
    data.add_argument(
        "--output",
        default="informer_forecast.csv",
        metavar="PATH",
        help="where to write the forecast of the steps after the data's end "
        "(default: %(default)s)",
    )

    model = parser.add_argument_group("model (as in main_informer.py, but for --model)")
    model.add_argument(
        "--model",
        choices=["recipe", "informer"],
        default="recipe",
        help="recipe: two Informers sized by the flags below, both with RevIN, the second "
        "correcting a seasonal mean at a tenth of the learning rate, their forecasts "
        "averaged with weights fitted on the validation rows; informer: one Informer as "
        "the flags below say (with --d_model 512 --n_heads 8 --d_ff 2048 "
        "--learning_rate 1e-4: the paper's) (default: %(default)s)",
    )
    for flag, type_, default, metavar, help_ in _MODEL_FLAGS:
        _add_flag(model, flag, type=type_, default=default, metavar=metavar,
                  help=help_ + " (default: %(default)s)")  # fmt: skip
    model.add_argument(
        "--attn",
        choices=["prob", "full"],
        default="prob",
        help="self-attention: ProbSparse or canonical full (default: %(default)s)",
    )
    model.add_argument(
        "--revin",
        action="store_true",
        help="with --model informer: reversible instance normalisation of every input "
        "window (not in the original; the recipe always uses it)",
    )
    model.add_argument(
        "--highway",
        nargs="?",
        const=True,
        default=False,
        choices=["least_squares"],
        help="with --model informer: add a linear forecast from the input window to the "
        "network's (not in the original), trained from zero, or with 'least_squares' "
        "from the least-squares fit to the training windows; with the recipe: two more "
        "candidates that do, at the learning rate and three times it",
    )
    _add_flag(
        model,
        "--channel_independent",
        action="store_true",
        help="every forecast column through one shared network as its own series "
        "(for --features M with many columns; not in the original)",
    )
    _add_flag(
        model,
        "--residual_sp",
        type=int,
        metavar="SP",
        help="with --model informer: forecast the correction to a seasonal naive forecast "
        "of period SP, e.g. 24 for hourly data (default: off, as in the original); with "
        "the recipe: its season length (default: from the data's frequency)",
    )
    _add_flag(
        model,
        "--residual_periods",
        type=_periods,
        default=1,
        metavar="K",
        help="with --residual_sp: the baseline averages the last K seasons of the input, or "
        "'auto' to pick K on the validation windows (default: %(default)s, seasonal naive)",
    )
    train = parser.add_argument_group("training")
    for flag, type_, default, metavar, help_ in _TRAINING_FLAGS:
        _add_flag(train, flag, type=type_, default=default, metavar=metavar,
                  help=help_ + " (default: %(default)s)")  # fmt: skip
    train.add_argument(
        "--threads",
        type=int,
        metavar="N",
        default=1,
        help="torch CPU threads (default: %(default)s). The default model is small: "
        "more threads gain little, and on a machine busy with other work they wait "
        "on each other and can make training several times slower. Forecasts are "
        "reproducible for a given --seed and --threads",
    )
    train.add_argument(
        "--device",
        default="auto",
        help="torch device to train and forecast on: auto (CUDA, then MPS, then the "
        "CPU), cpu, cuda, cuda:1, mps, ... (default: %(default)s)",
    )
    train.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="fp32",
        help="arithmetic: fp32; tf32, CUDA's TF32 matrix products; bf16, autocast on CUDA "
        "or on a CPU with native bf16 (default: %(default)s)",
    )
    train.add_argument(
        "--compile",
        action="store_true",
        help="train with torch.compile (CUDA graphs on a GPU): compiles for tens of "
        "seconds first; for GPUs at large batches, not for CPUs",
    )
    _add_flag(
        train,
        "--activation_checkpointing",
        action="store_true",
        help="recompute each encoder and decoder layer in the backward pass instead of "
        "keeping its activations: less memory a training step, each step slower; the "
        "same fitted weights. For large batches, long inputs or a device short of memory",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log progress and training losses"
    )
    return parser


def main(argv=None):
    """Run the main job; see the module docstring and ``--help``.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    exit_code : int
        0 on success. Bad flags exit through ``SystemExit(2)`` with the usage and the
        reason on stderr, as argparse does; bad data or settings, an unreadable file
        and a diverged training through ``SystemExit(2)`` with a one-line reason; an
        interrupt through ``SystemExit(130)``. The forecast file is written only on
        success, so a failed run leaves an earlier run's file as it was.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        _run(args)
    except (ValueError, OSError, FloatingPointError) as err:
        # bad data or settings, an unreadable file, a diverged training: one line,
        # as argparse reports bad flags; --verbose also shows the traceback
        if args.verbose:
            logger.exception("the main job stopped")
        parser.exit(2, f"{parser.prog}: error: {_reason(err)}{_not_written(args.output)}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted{_not_written(args.output)}\n")
    return 0


def _reason(err):
    """An exception as one line for the user: an OSError as the file and its problem."""
    if isinstance(err, OSError) and err.strerror and err.filename is not None:
        return f"{err.filename}: {err.strerror}"
    return " ".join(str(err).split()) or type(err).__name__


def _not_written(output):
    """The end of a failed run's message: no forecast, and whose file is there."""
    earlier = f"; {output} is from an earlier run" if Path(output).is_file() else ""
    return f" (no forecast written{earlier})"


class _Job(NamedTuple):
    """The data and the split of a run, as the flags and the data decide them."""

    source: str  # the data's name in messages
    y: pd.Series | pd.DataFrame
    X: pd.DataFrame | None
    X_future: pd.DataFrame | None  # MS: the covariates of the steps after the data
    n_fit: int  # rows [0, n_fit) fit, the last of them validate
    n_train: int  # rows [0, n_train) train; their mean and std scale the errors
    n_origins: int  # the test forecasts, from origins n_fit + k * pred_len
    validation_size: float


def _run(args):
    """The main job once the arguments are parsed."""
    if args.pred_len < 1:
        raise ValueError(f"--pred_len must be at least 1, got {args.pred_len}")
    if args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    if not 0 <= args.seed < 2**32:
        raise ValueError(f"--seed must be in [0, 2**32 - 1], got {args.seed}")
    torch.set_num_threads(args.threads)
    max_test_size = 1 - VALIDATION_FRACTION
    if args.test_size is not None and not 0 < args.test_size < max_test_size:
        raise ValueError(
            f"--test_size must be in (0, {max_test_size:g}): {VALIDATION_FRACTION:g} "
            f"of the rows validate and some must train; got {args.test_size}"
        )
    check_device(args.device)
    _check_precision(args.precision, args.device)
    _check_output(Path(args.output))

    job = _prepare(args)
    sp = seasonal_period(job.y.index.freq)
    model = build_model(args, job.validation_size, sp)
    print("\n".join(_header(args, job, model)), flush=True)

    y, pred_len = job.y, args.pred_len
    y_cols = y.to_frame() if isinstance(y, pd.Series) else y
    # the paper reports errors on the scale of the training rows' standardisation
    mean = y_cols.iloc[: job.n_train].mean().to_numpy()
    std = y_cols.iloc[: job.n_train].std(ddof=0).to_numpy()
    std = np.where(std > 0, std, 1.0)  # a constant column: plain errors, no 0/0
    n_test = job.n_origins * pred_len
    truth = y_cols.iloc[job.n_fit : job.n_fit + n_test].to_numpy()
    truth = (truth.reshape(job.n_origins, pred_len, -1) - mean) / std

    name = "Informer recipe" if args.model == "recipe" else "Informer"
    models = [(name, model, _backtest), ("Naive (last)", _naive(), _rolling_forecasts)]
    if sp is not None and sp < job.n_fit:
        models.append((f"Seasonal naive (last, sp={sp})", _naive(sp), _rolling_forecasts))
    else:
        logger.warning("no seasonal period known for freq %s: no seasonal naive", y.index.freq)
    rows = []
    for name, forecaster, test in models:
        print(f"Fitting and testing {name} ...", flush=True)
        start = time.perf_counter()
        preds = test(forecaster, y, job.X, job.n_fit, job.n_origins, pred_len)
        seconds = time.perf_counter() - start
        errors = (preds.reshape(truth.shape) - mean) / std - truth
        rows.append((name, np.mean(errors**2), np.mean(np.abs(errors)), seconds))
        logger.info("%s: MSE %.4f, MAE %.4f, %.1f s", *rows[-1])

    print()
    print("Held-out test, errors on the standardised scale (training rows' mean, std):")
    print(_table(rows))
    print(_verdict(rows))
    if args.model == "recipe":
        weights = ", ".join(f"{k} {w:.3f}" for k, w in model.weights_.items())
        print(f"The recipe's weights, fitted on the validation rows: {weights}")
    print()
    _forecast_future(model, job, args)


def _prepare(args):
    """Load the data and split it as the flags say; checked before any model is fitted."""
    frame, source, bundled = _load_frame(args)
    target = args.target
    if target is None:
        target = "OT" if bundled else frame.columns[-1]
    if target not in frame.columns:
        raise ValueError(
            f"--target {target!r} is not a numeric column of {source}; "
            f"numeric columns: {list(frame.columns)}"
        )
    y, X, X_future = _features(frame, target, args.features, args.pred_len, source)
    n_fit, n_test, validation_size = _split(len(y), args, bundled)
    n_origins = n_test // args.pred_len
    if n_origins < 1:
        raise ValueError(
            f"the test part has {n_test} rows, fewer than --pred_len {args.pred_len}; "
            "raise --test_size or lower --pred_len"
        )
    n_train = n_fit - int(round(n_fit * validation_size))
    return _Job(source, y, X, X_future, n_fit, n_train, n_origins, validation_size)


def _header(args, job, model):
    """The first lines the main job prints: the data, the model and the split.

    They hold every setting that shapes the figures below them, so that a quote of
    the output can be checked against the current defaults without training.
    """
    y, X = job.y, job.X
    columns = list(y.columns) if isinstance(y, pd.DataFrame) else [y.name]
    n_test = job.n_origins * args.pred_len
    return [
        f"Data: {job.source}, {len(y)} rows, {y.index[0]} .. {y.index[-1]}, freq "
        f"{y.index.freqstr}; features {args.features}, forecasting {columns}"
        + (f" from {list(X.columns)}" if X is not None else ""),
        f"Model: {' '.join(repr(model).split())}; {args.threads} torch thread(s)",
        f"Fit on rows [0, {job.n_fit}) ({job.n_fit - job.n_train} of them for early "
        f"stopping), test on rows [{job.n_fit}, {job.n_fit + n_test}): {job.n_origins} "
        f"forecasts of {args.pred_len} steps from non-overlapping origins.",
    ]


def _forecast_future(model, job, args):
    """Forecast the steps after the data's end and write them to ``args.output``."""
    y, X = job.y, job.X
    # fit left the cutoff at the end of the fit rows: move it to the end of the data
    model.update(y.iloc[job.n_fit :], X=_rows(X, job.n_fit, len(y)), update_params=False)
    future = model.predict(X=job.X_future)
    future = future.to_frame() if isinstance(future, pd.Series) else future
    future.index.name = y.index.name or "date"
    output = Path(args.output)
    _write_atomically(future, output)
    print(
        f"{'Informer recipe' if args.model == 'recipe' else 'Informer'} forecast of "
        f"{list(future.columns)} for the {args.pred_len} steps "
        f"after {y.index[-1]} ({future.index[0]} .. {future.index[-1]}) written to "
        f"{output}"
    )


def _check_output(output):
    """Raise before any work if the forecast could not be written to ``output``."""
    folder = output.parent
    if output.is_dir():
        raise ValueError(
            f"--output {output} is a directory; give a file name, "
            f"e.g. {output / 'informer_forecast.csv'}"
        )
    if not folder.is_dir():
        raise ValueError(f"--output {output}: there is no directory {folder}; create it first")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"--output {output}: the directory {folder} is not writable")


def _write_atomically(frame, output):
    """Write ``frame`` as CSV to ``output`` whole or not at all.

    The CSV goes to a temporary file beside ``output`` that then replaces it, so an
    interrupted or failed write never leaves a truncated forecast behind.
    """
    output = output.resolve()  # a symbolic link: replace the file it points to
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(
            dir=output.parent, prefix=f".{output.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "w", newline="") as file:
            frame.to_csv(file)
        # mkstemp makes the file private; give it the mode a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, output)
    except BaseException as err:
        if temporary is not None:
            os.unlink(temporary)
        if isinstance(err, OSError):
            raise ValueError(f"cannot write --output {output}: {err.strerror or err}") from err
        raise


def _load_frame(args):
    """The numeric columns of the data as a frame, a name for it, whether bundled.

    With ``--features S`` and a ``--target``, only the target column is read as
    numbers, so that a text cell in a column the run does not use is no error.
    """
    if args.data is None:
        if (args.freq, args.date_col, args.sep, args.decimal) != (None, "date", ",", "."):
            logger.warning("--freq, --date_col, --sep and --decimal apply to --data CSVs: ignored")
        return load_ett("ETTh2"), "bundled ETTh2", True
    target = [args.target] if args.features == "S" and args.target is not None else None
    try:
        frame = load_csv(
            args.data,
            date_col=args.date_col,
            target=target,
            freq=args.freq,
            sep=args.sep,
            decimal=args.decimal,
        )
    except OSError as err:
        raise ValueError(f"cannot read --data {args.data}: {err.strerror or err}") from err
    except ValueError as err:
        raise ValueError(_as_flags(str(err))) from err
    return frame, args.data, False


def _as_flags(message):
    """A message of ``load_csv`` with its parameters spelled as the main job's flags."""
    return _LOADER_PARAMETER.sub(
        lambda match: f"--{match[1]}" + (f" {match[2]}" if match[2] else ""), message
    )


def _features(frame, target, features, pred_len, source):
    """Split the frame into ``y``, past ``X`` and future ``X`` as ``features`` says.

    For MS, rows at the end whose target is empty are the covariates' known future;
    ``X_future`` is their first ``pred_len`` rows, or None when there are too few.
    """
    X = X_future = None
    if features == "S":
        y = frame[target]
    elif features == "M":
        y = frame
    else:
        covariates = [c for c in frame.columns if c != target]
        if not covariates:
            raise ValueError(
                f"--features MS needs covariates besides the target {target!r}, "
                f"but {source} has no other numeric column"
            )
        known = frame[target].notna().to_numpy()
        if not known.any():
            raise ValueError(f"the target column {target!r} of {source} has no values")
        n_known = len(known) - int(np.argmax(known[::-1]))
        y = frame[target].iloc[:n_known]
        X = frame[covariates].iloc[:n_known]
        X_future = frame[covariates].iloc[n_known : n_known + pred_len]
        _check_future_covariates(X_future, pred_len, y.index[-1], source)
    _check_complete(y, "forecast", source)
    if X is not None:
        _check_complete(X, "covariate", source)
    return y, X, X_future


def _check_future_covariates(X_future, pred_len, last_known, source):
    """Raise unless the ``pred_len`` rows after the target's end have every covariate.

    Checked before training, so that a missing future does not cost a training run.
    """
    gaps = int(X_future.isna().any(axis=1).sum())
    if len(X_future) == pred_len and not gaps:
        return
    found = f"{len(X_future) or 'no'} row(s) follow the target's last value, at {last_known}"
    if gaps:
        found += f", {gaps} of them with a covariate missing"
    raise ValueError(
        f"--features MS needs the covariates' values for the {pred_len} steps it "
        f"forecasts beyond the data: end {source} with {pred_len} rows whose covariates "
        f"are filled and whose target is empty ({found}), or use --features S or M"
    )


def _check_complete(part, role, source):
    """Raise when ``part`` has missing values: the network cannot take NaN.

    Dropping the rows is not offered as a fix: the timestamps would no longer be
    regular, which the forecaster needs.
    """
    missing = (part.to_frame() if isinstance(part, pd.Series) else part).isna()
    n_missing = missing.sum()
    n_missing = n_missing[n_missing > 0]
    if len(n_missing):
        rows = missing.any(axis=1).to_numpy()
        n_trailing = int(np.argmin(rows[::-1])) if not rows.all() else 0  # empty last rows
        if role == "forecast" and n_trailing and rows.sum() == n_trailing:
            raise ValueError(
                f"the last {n_trailing} rows of {source} (from {missing.index[-n_trailing]}) "
                f"have no value to forecast in {list(n_missing.index)}: rows that give "
                "only the covariates' future are read with --features MS; remove "
                "them, or use --features MS"
            )
        first = [str(t) for t in missing.index[rows][:3]]
        raise ValueError(
            f"{source} has missing values in {role} column(s) {n_missing.to_dict()}, "
            f"first at {', '.join(first)}; fill them in (e.g. by interpolating), as "
            "the model needs a value at every timestamp"
        )


def _split(n_rows, args, bundled):
    """Rows to fit on, rows to test on and the validation fraction of the fit rows."""
    if bundled and args.test_size is None:
        return PAPER_FIT_ROWS, PAPER_TEST_END - PAPER_FIT_ROWS, PAPER_VALIDATION_SIZE
    test_size = DEFAULT_TEST_SIZE if args.test_size is None else args.test_size
    n_test = int(round(n_rows * test_size))
    return n_rows - n_test, n_test, VALIDATION_FRACTION / (1 - test_size)


def build_model(args, validation_size, sp=None):
    """The model the main job fits, tests and forecasts with, as the flags describe it.

    With ``--model recipe`` (the default) an :class:`~informer_sk.InformerEnsemble` of
    the validated recipe's two candidates, each sized and trained as the flags say:
    one with RevIN, one with RevIN correcting the mean of the last ``sp``-step
    seasons of its input (``residual_periods="auto"``) at a tenth of the learning
    rate; their forecasts are averaged with weights fitted on the validation rows.
    With ``--model informer``, one ``InformerForecaster``.

    The job uses only its ``fit``, ``predict_windows``, ``update`` (with
    ``update_params=False``) and ``predict``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed flags (see :func:`build_parser`).
    validation_size : float
        The fraction of the fit rows, at their end, that decide early stopping (and
        the recipe's weights).
    sp : int, optional
        The season length of the data, for the recipe's seasonal candidate; without
        one (or with ``--residual_sp``, which takes precedence) see above.

    Returns
    -------
    InformerEnsemble or InformerForecaster
    """
    from informer_sk.ensemble import InformerEnsemble
    from informer_sk.forecaster import InformerForecaster

    common = dict(
        seq_len=args.seq_len,
        label_len=args.label_len,
        d_model=args.d_model,
        n_heads=args.n_heads,
        e_layers=args.e_layers,
        d_layers=args.d_layers,
        d_ff=args.d_ff,
        factor=args.factor,
        attn=args.attn,
        dropout=args.dropout,
        channel_independent=args.channel_independent,
        train_epochs=args.train_epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        patience=args.patience,
        validation_size=validation_size,
        random_state=args.seed,
        device=args.device,
        precision=args.precision,
        compile=args.compile,
        activation_checkpointing=args.activation_checkpointing,
        verbose=args.verbose,
    )
    if args.model == "informer":
        return InformerForecaster(
            **common,
            revin=args.revin,
            highway=args.highway,
            residual_sp=args.residual_sp,
            residual_periods=args.residual_periods,
        )
    sp = args.residual_sp or sp
    seasonal = dict(common, revin=True, learning_rate=args.learning_rate / 10)
    if sp is not None and sp <= args.seq_len:
        seasonal.update(residual_sp=sp, residual_periods="auto")
    else:
        logger.warning(
            "no season of at most --seq_len %d steps is known for this data: the "
            "recipe's second candidate forecasts without a seasonal baseline; pass "
            "--residual_sp SP to give one",
            args.seq_len,
        )
    candidates = [
        ("revin", InformerForecaster(**common, revin=True)),
        ("seasonal_residual", InformerForecaster(**seasonal)),
    ]
    if args.highway:
        fast = dict(common, learning_rate=args.learning_rate * 3)
        candidates += [
            ("highway", InformerForecaster(**common, revin=True, highway=args.highway)),
            ("highway_fast", InformerForecaster(**fast, revin=True, highway=args.highway)),
        ]
    return InformerEnsemble(forecasters=candidates, validation_size=validation_size)


def _naive(sp=1):
    """A last-value naive forecaster, seasonal when ``sp`` > 1."""
    from sktime.forecasting.naive import NaiveForecaster

    with _quiet_remember_data():
        naive = NaiveForecaster(strategy="last", sp=sp)
    # naive forecasts are read off the remembered data, whatever sktime's default
    return naive.set_config(remember_data=True)


@contextlib.contextmanager
def _quiet_remember_data():
    """Drop sktime 1.2's warning that remember_data's default will change.

    Every (re)construction of a forecaster that does not set the config in its class
    raises it, even after ``set_config``: fit's reset and the per-column clones of a
    multivariate naive forecaster too. An "ignore" filter is not enough, as sktime
    itself puts a "default" filter for FutureWarning in front of it; so the warnings
    are recorded and all others raised again.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if not str(warning.message).startswith(_REMEMBER_DATA_WARNING):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def _rows(X, start, stop):
    """Rows ``[start, stop)`` of ``X``, or None when there is no ``X``."""
    return None if X is None else X.iloc[start:stop]


def _backtest(model, y, X, n_fit, n_origins, pred_len):
    """Fit on ``y[:n_fit]``; forecast ``pred_len`` steps from each test origin at once.

    The origins are the cutoffs ``n_fit - 1 + k * pred_len`` for ``k < n_origins``, as
    in :func:`_rolling_forecasts`; ``predict_windows`` forecasts them all in batched
    passes, as ``predict`` would after ``update(..., update_params=False)`` to each.
    """
    n_end = n_fit + n_origins * pred_len
    with _quiet_remember_data():
        model.fit(y.iloc[:n_fit], X=_rows(X, 0, n_fit), fh=np.arange(1, pred_len + 1))
    pred = model.predict_windows(
        y.iloc[:n_end], X=_rows(X, 0, n_end), start=y.index[n_fit - 1], step=pred_len
    )
    if not pred.index.get_level_values(-1).equals(y.index[n_fit:n_end]):
        raise RuntimeError(f"forecast index {pred.index} is not the test rows'")
    return pred.to_numpy(dtype="float64")


def _rolling_forecasts(forecaster, y, X, n_fit, n_origins, pred_len):
    """Fit on ``y[:n_fit]`` and forecast ``pred_len`` steps from each test origin.

    The origins are ``n_fit + k * pred_len`` for ``k < n_origins``, so the forecasts
    tile the test part without overlap; between origins the cutoff moves by
    ``update(update_params=False)``, so the model is trained once.
    """
    fh = np.arange(1, pred_len + 1)
    preds = []
    with _quiet_remember_data():
        forecaster.fit(y.iloc[:n_fit], X=_rows(X, 0, n_fit), fh=fh)
        for k in range(n_origins):
            origin = n_fit + k * pred_len
            if k:
                forecaster.update(
                    y.iloc[origin - pred_len : origin],
                    X=_rows(X, origin - pred_len, origin),
                    update_params=False,
                )
            pred = forecaster.predict(X=_rows(X, origin, origin + pred_len))
            if not pred.index.equals(y.index[origin : origin + pred_len]):
                raise RuntimeError(f"forecast index {pred.index} is not the test rows'")
            preds.append(np.asarray(pred, dtype="float64"))
    return np.asarray(preds)


def _table(rows):
    """The results, (name, MSE, MAE, seconds) per model, as a fixed-width table."""
    width = max(len("model"), *(len(name) for name, *_ in rows))
    lines = [f"{'model':<{width}}  {'MSE':>8}  {'MAE':>8}  {'time (s)':>8}"]
    lines += [
        f"{name:<{width}}  {mse:8.4f}  {mae:8.4f}  {seconds:8.1f}"
        for name, mse, mae, seconds in rows
    ]
    return "\n".join(lines)


def _verdict(rows):
    """One sentence saying which model had the lowest errors."""
    by_mse = min(rows, key=lambda row: row[1])[0]
    by_mae = min(rows, key=lambda row: row[2])[0]
    if by_mse == by_mae:
        return f"Best: {by_mse} (lowest MSE and MAE)."
    return f"Best by MSE: {by_mse}; best by MAE: {by_mae}."

