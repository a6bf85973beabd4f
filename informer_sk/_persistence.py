"""Pickling a forecaster: the weights on the CPU, versions, and older formats read.

Used by pickle, ``copy.deepcopy`` and sktime's ``save``. A pickle holds each network
as its config and its weights on the CPU, with the package version and a format
version, so a model trained on a GPU loads on a machine without one.
"""

import torch

import informer_sk
from informer_sk.nn import Informer
from informer_sk.runtime import available
from informer_sk.series import SeriesContext

# version of what dump_state writes; raise it when the pickled attributes change
# 2: per-series contexts (_contexts), the pretrained network, and the probabilistic
# heads (loss, quantiles, quantiles_, the config's head), which an older reader would
# load into a point network of the wrong shape
STATE_FORMAT = 2

_NETWORKS = ("network_", "pretrained_network_")


def dump_state(attributes):
    """The pickled state of a forecaster whose ``vars`` are ``attributes``."""
    state = dict(attributes)
    for name in _NETWORKS:
        network = state.get(name)
        if network is not None:
            weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
            state[name] = (network.config, weights)
    state["_saved_by"] = {"format": STATE_FORMAT, "informer_sk": informer_sk.__version__}
    return state


def load_state(state, defaults):
    """The attributes of a forecaster from its pickled ``state``.

    ``defaults`` are the forecaster's parameter defaults, given to parameters added
    since the state was written. Each network is rebuilt on its device if this machine
    has it, else on the CPU.
    """
    state = dict(state)
    for name in ("precision", "n_threads", "series_embedding", "fine_tune_epochs", "revin",
                 "residual_sp", "residual_periods", "inference_batch_size", "compile",
                 "deterministic", "channel_independent", "windows_per_epoch",
                 "activation_checkpointing", "highway"):  # fmt: skip
        state.setdefault(name, defaults[name])
    saved_by = state.pop("_saved_by", {"format": 1, "informer_sk": "?"})
    if saved_by["format"] > STATE_FORMAT:
        raise ValueError(
            f"This InformerForecaster was saved by informer_sk {saved_by['informer_sk']} "
            f"in state format {saved_by['format']}, but informer_sk "
            f"{informer_sk.__version__} reads formats up to {STATE_FORMAT}; upgrade "
            "informer_sk to load it, or fit the forecaster again."
        )
    if saved_by["format"] < 2:  # saved before the probabilistic heads
        state.setdefault("loss", "mse")
        state.setdefault("quantiles", defaults["quantiles"])
        if "network_" in state:
            state.setdefault("quantiles_", ())
    if saved_by["format"] == 1 and "_context_y" in state:  # one series, kept flat
        state["_contexts"] = {
            None: SeriesContext(state.pop("_context_y"), state.pop("_context_X"),
                                state["y_scaler_"], state["X_scaler_"],
                                state.pop("_y_constants"), -1)  # fmt: skip
        }
        state["_index_names"] = list(state["_contexts"][None].y.index.names)
    device = available(state.get("device_", torch.device("cpu")))
    for name in _NETWORKS:
        if isinstance(state.get(name), tuple):
            config, weights = state[name]
            with torch.random.fork_rng(devices=[]), torch.device(device):
                network = Informer(config)  # initial weights, about to be replaced
            network.load_state_dict(weights)
            state[name] = network.eval()
    if "device_" in state:
        state["device_"] = device
    return state
