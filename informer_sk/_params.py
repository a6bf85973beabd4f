"""The forecaster's hyperparameters: defaults, which survive a pretrained network, checks.

scikit-learn's rule: ``__init__`` stores parameters unchanged, ``fit`` validates them,
and an error names the parameter, what it got and what is allowed.
"""

import numpy as np

from informer_sk import _checks
from informer_sk.runtime import check_device, check_precision, resolve_device


# parameters that only steer (fine-)training: setting them keeps a pretrained network
FINE_TUNING_PARAMS = {
    "train_epochs", "batch_size", "learning_rate", "gradient_clip", "patience", "lradj",
    "validation_size", "fine_tune_epochs", "random_state", "device", "precision",
    "n_threads", "verbose", "inference_batch_size", "compile", "deterministic",
    "windows_per_epoch", "activation_checkpointing",
}  # fmt: skip

_CHOICES = {
    "attn": ("prob", "full"),
    "embed": ("timeF", "fixed", "learned"),
    "activation": ("gelu", "relu"),
    "lradj": ("type1", "constant"),
}
_POSITIVE_INTS = (
    "seq_len", "d_model", "n_heads", "e_layers", "d_layers", "d_ff", "factor",
    "train_epochs", "batch_size", "patience", "inference_batch_size",
)  # fmt: skip
_NON_NEGATIVE_INTS = ("fine_tune_epochs",)


def check_params(forecaster):
    """Raise a ValueError naming the first invalid hyperparameter (sklearn's rule)."""
    p = forecaster.get_params()
    for name in _POSITIVE_INTS:
        if not isinstance(p[name], (int, np.integer)) or isinstance(p[name], bool) or p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be a positive integer.")
    for name in _NON_NEGATIVE_INTS:
        if not isinstance(p[name], (int, np.integer)) or isinstance(p[name], bool) or p[name] < 0:
            raise ValueError(
                f"{name}={p[name]!r} must be a non-negative integer (0 forecasts "
                "zero-shot with the pretrained network)."
            )
    if not isinstance(p["label_len"], (int, np.integer)) or not 0 <= p["label_len"] <= p["seq_len"]:
        raise ValueError(
            f"label_len={p['label_len']!r} must be an integer in [0, seq_len={p['seq_len']}]."
        )
    sp = p["residual_sp"]
    if sp is not None and (
        not isinstance(sp, (int, np.integer)) or isinstance(sp, bool) or not 1 <= sp <= p["seq_len"]
    ):
        raise ValueError(
            f"residual_sp={sp!r} must be None or an integer in [1, seq_len={p['seq_len']}]: "
            "the seasonal naive forecast repeats the last residual_sp input steps."
        )
    periods = p["residual_periods"]
    n_max = p["seq_len"] // sp if sp else None
    if periods != "auto" and (
        not isinstance(periods, (int, np.integer)) or isinstance(periods, bool) or periods < 1
        or (sp and periods > n_max) or (not sp and periods != 1)
    ):  # fmt: skip
        if not sp:
            raise ValueError(
                f"residual_periods={periods!r} needs a seasonal baseline: set residual_sp "
                "(the season length) as well, or leave residual_periods at 1."
            )
        raise ValueError(
            f"residual_periods={periods!r} must be 'auto' or an integer in [1, seq_len // "
            f"residual_sp = {n_max}]: the baseline averages the last residual_periods "
            "seasons of the input window."
        )
    if not isinstance(p["highway"], (bool, np.bool_)) and p["highway"] != "least_squares":
        raise ValueError(
            f"highway={p['highway']!r} must be True, False or 'least_squares' (the linear "
            "map starts from the least-squares fit to the training windows)."
        )
    for name in ("distil", "channel_independent", "series_embedding", "scale", "revin", "verbose",
                 "compile", "activation_checkpointing", "deterministic"):  # fmt: skip
        if not isinstance(p[name], (bool, np.bool_)):
            raise ValueError(f"{name}={p[name]!r} must be True or False.")
    if p["distil"]:
        # each distilling layer halves the sequence; its BatchNorm needs two time steps
        length = p["seq_len"]
        for layer in range(1, p["e_layers"]):
            if length < 2:
                raise ValueError(
                    f"seq_len={p['seq_len']} is too short for e_layers={p['e_layers']} with "
                    f"distil=True: distilling halves it to {length} time step before "
                    f"distilling layer {layer}, which needs at least 2; raise seq_len, "
                    "lower e_layers, or set distil=False."
                )
            length = (length + 1) // 2
    if p["d_model"] % p["n_heads"]:
        raise ValueError(f"n_heads={p['n_heads']} must divide d_model={p['d_model']}.")
    for name, allowed in _CHOICES.items():
        if p[name] not in allowed:
            raise ValueError(f"{name}={p[name]!r} is not one of {allowed}.")
    for name in ("dropout", "validation_size"):
        if not _is_real(p[name]) or not 0 <= p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be a number in [0, 1).")
    if not _is_real(p["learning_rate"]) or not 0 < p["learning_rate"] < np.inf:
        raise ValueError(f"learning_rate={p['learning_rate']!r} must be a positive number.")
    clip = p["gradient_clip"]
    if clip is not None and (not _is_real(clip) or not 0 < clip < np.inf):
        raise ValueError(
            f"gradient_clip={clip!r} must be None (no clipping) or a positive number, "
            "the largest global norm of the gradients, e.g. 1.0."
        )
    per_epoch = p["windows_per_epoch"]
    if per_epoch is not None and (
        not isinstance(per_epoch, (int, np.integer)) or isinstance(per_epoch, bool) or per_epoch < 1
    ):
        raise ValueError(
            f"windows_per_epoch={per_epoch!r} must be None (every training window in "
            "every epoch) or a positive integer, the windows drawn for each epoch."
        )
    _checks.check_random_state(p["random_state"])
    check_device(p["device"])
    check_precision(p["precision"], resolve_device(p["device"]))
    n_threads = p["n_threads"]
    if n_threads is not None and (
        not isinstance(n_threads, (int, np.integer)) or isinstance(n_threads, bool) or n_threads < 1
    ):
        raise ValueError(
            f"n_threads={n_threads!r} must be None (keep torch's thread count) or a "
            "positive integer, e.g. the number of cores divided by the number of "
            "parallel workers."
        )
    if p["loss"] not in HEADS:
        raise ValueError(
            f"loss={p['loss']!r} is not one of {tuple(HEADS)}: 'mse' for point "
            "forecasts, 'quantile' or 'normal' for intervals and quantiles."
        )
    check_quantiles(p["quantiles"])


def _is_real(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


HEADS = {"mse": "point", "quantile": "quantile", "normal": "normal"}

def check_quantiles(quantiles):
    """Raise a ValueError unless ``quantiles`` are distinct levels in (0, 1) with 0.5."""
    fix = "pass distinct levels strictly between 0 and 1, e.g. (0.1, 0.5, 0.9)"
    if isinstance(quantiles, (str, bytes)) or not hasattr(quantiles, "__len__"):
        raise ValueError(f"quantiles={quantiles!r} must be a tuple of levels; {fix}.")
    if not all(_is_real(q) and 0 < q < 1 for q in quantiles):
        raise ValueError(f"quantiles={quantiles!r} must hold numbers in (0, 1); {fix}.")
    if len(set(quantiles)) != len(quantiles):
        raise ValueError(f"quantiles={quantiles!r} holds a level twice; {fix}.")
    if 0.5 not in quantiles or len(quantiles) < 2:
        raise ValueError(
            f"quantiles={quantiles!r} must hold 0.5, the median that is the point "
            f"forecast, and at least one other level; {fix}."
        )


def levels(forecaster):
    """The quantile levels of ``forecaster``, sorted as the network emits them."""
    return tuple(sorted(float(q) for q in forecaster.quantiles))


def pretrain_pred_len(fh):
    """The network's horizon from pretrain's ``fh``: its largest relative step."""
    if fh is None:
        raise ValueError(
            "pretrain needs fh, the steps ahead the network learns to forecast; fit "
            "after pretrain can forecast up to its largest step. Pass e.g. "
            "pretrain(y, fh=[1, 2, 3])."
        )
    steps = np.asarray(fh.to_numpy()) if fh.is_relative else None
    if steps is None or not np.issubdtype(steps.dtype, np.integer) or steps.min() < 1:
        raise ValueError(
            f"fh passed to pretrain must be steps ahead, integers of at least 1, e.g. "
            f"fh=[1, 2, 3], but got {list(fh.to_pandas())[:5]}: the series of a panel "
            "end at different times."
        )
    return int(steps.max())
