"""Data-parallel training with torch.distributed: the ranks, their agreement, their BatchNorm.

Launched with ``torchrun --nproc-per-node N script.py``, every process runs the same
script on the same data, and ``InformerForecaster.fit`` and ``pretrain`` train one
network together: every rank draws the same order of windows, takes its share of each
batch, and DistributedDataParallel averages the gradients, so every rank ends with the
weights a single process would have trained.

The process group: one already initialised (``torch.distributed.init_process_group``)
with more than one rank is used as it is. Without one, under torchrun (``WORLD_SIZE``
above 1 in the environment), the first fit initialises it, "cpu:gloo,cuda:nccl" (gloo
for CPU tensors, NCCL for CUDA ones) where torch has CUDA and NCCL, else "gloo", with
torch's default timeout, and destroys it when the process exits. Host-side flags (did a
rank fail?) travel over a gloo group of their own, so checking them never waits for a
GPU.

A rank that fails must not leave the others waiting in a collective. So every
collective of a training step is preceded by a meeting on the control group
(:meth:`Ranks.check`, an all-reduce of one flag): before DDP's forward pass, before
each synchronised BatchNorm, before the gradients are reduced. A rank that raised goes
to its next meeting with its error, which is the meeting the others wait at, since they
cannot pass one without it; there every rank learns of the failure: that rank raises
its own error, the others :class:`DistributedTrainingError` naming it. Before training
the ranks meet once (:meth:`Ranks.agree`: every rank is healthy, holds the same data
and parameters, and takes rank 0's seed); an error raised before a rank gets there
(bad data, a bad parameter) reaches it through :func:`failures_shared`, which wraps
``fit`` and ``pretrain``. An error inside a collective, or in a backward pass (whose
gradient reductions run inside autograd), ends the others' wait after the process
group's timeout, with torch's error; a rank whose process exits closes its connections,
which ends the others' wait at once, and torchrun then stops them.
"""

__all__ = [
    "DistributedTrainingError",
    "Ranks",
    "SyncBatchNorm",
    "failures_shared",
    "fingerprint",
    "launched",
    "ranks",
]

import atexit
import contextlib
import copy
import math
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

# torch's differentiable collectives (torch.distributed.nn.functional, deprecated, points here)
from torch.distributed._functional_collectives import all_reduce as differentiable_all_reduce


class DistributedTrainingError(RuntimeError):
    """Another rank of a distributed fit failed, or the ranks disagree; every rank stops."""


def launched():
    """Whether this process is one of several in a torch.distributed run.

    True with an initialised process group of more than one rank, or, with none
    initialised, under torchrun with ``WORLD_SIZE`` above 1.
    """
    if not dist.is_available():
        return False
    if dist.is_initialized():
        return dist.get_world_size() > 1
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


@dataclass(frozen=True)
class Ranks:
    """This process's place in a distributed fit: rank, world size, device, control group."""

    rank: int
    world_size: int
    device: torch.device
    control: object  # a gloo process group for host-side flags

    def shard(self, idx):
        """This rank's contiguous share of ``idx``; shares differ in length by at most 1."""
        return idx.tensor_split(self.world_size)[self.rank]

    def all_sum(self, tensor):
        """``tensor`` summed over the ranks (in place, on its device), returned."""
        dist.all_reduce(tensor)
        return tensor

    def check(self, error=None, where=""):
        """Meet the other ranks: raise on every rank if ``error`` (or another rank's) is set.

        The rank that failed re-raises its own ``error``; the others raise
        :class:`DistributedTrainingError` naming it, ``where`` it failed and its error.
        """
        flag = torch.tensor([0 if error is None else 1], device="cpu")  # the gloo control group
        dist.all_reduce(flag, group=self.control)
        if flag.item():
            _raise_if_failed(self._gather(_describe(error, where)), error)

    def agree(self, seed, data):
        """Meet before training: every rank healthy and holding the same ``data``.

        ``data`` is :func:`fingerprint`'s summary of this rank's data and parameters.
        Returns rank 0's ``seed``, which every rank then trains with.
        """
        return _agree(self, (seed, data, None))

    def wrap(self, network):
        """``network`` in DistributedDataParallel, which broadcasts rank 0's weights.

        Its :class:`SyncBatchNorm` keeps the running statistics equal on every rank, so
        DDP need not broadcast buffers before every forward pass.
        """
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(network, device_ids=device_ids,
                                                   forward_sync_buffers=False)  # fmt: skip

    def broadcast_state(self, network):
        """Give every rank rank 0's weights and buffers, bit for bit."""
        for tensor in network.state_dict().values():
            dist.broadcast(tensor, src=0)

    def _gather(self, item):
        items = [None] * self.world_size
        dist.all_gather_object(items, item, group=self.control)
        return items


def ranks(device):
    """The :class:`Ranks` of this process, initialising the process group if needed.

    None outside a distributed run. A CUDA ``device`` without an index becomes this
    rank's GPU, ``cuda:LOCAL_RANK``.
    """
    if not launched():
        return None
    _initialise()
    rank = dist.get_rank()
    if device.type == "cuda" and device.index is None:
        local = int(os.environ.get("LOCAL_RANK", rank % torch.cuda.device_count()))
        device = torch.device("cuda", local)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return Ranks(rank, dist.get_world_size(), device, _control_group())


def fingerprint(params, y, X, n_val_rows):
    """What must be equal on every rank: parameters, data sizes, a checksum of the data.

    ``params`` are the forecaster's (those that may differ between machines left out:
    device, threads, verbosity, and ``random_state``, for which rank 0's seed is used).
    """
    params = {k: v for k, v in params.items()
              if k not in ("device", "n_threads", "verbose", "random_state")}  # fmt: skip
    checksum = []
    for frame in (y, X):
        if frame is not None:
            values = frame.to_numpy(dtype=np.float64)
            # weighted by the row number too, so that reordered rows change it
            checksum += [float(values.sum()), float(values.sum(1) @ np.arange(len(values)))]
    return {
        "parameters": repr(sorted(params.items())),
        "rows": len(y),
        "validation rows": int(sum(n_val_rows)),
        "checksum": checksum,
    }


class SyncBatchNorm(nn.BatchNorm1d):
    """BatchNorm1d whose training statistics are those of the global batch, over every rank.

    ``torch.nn.SyncBatchNorm`` refuses CPU tensors, so gloo could not run it; this one
    sums each channel's values and squared deviations over the ranks with torch's
    functional ``all_reduce``, which autograd differentiates (its backward sums the
    gradients over the ranks), and runs on gloo and NCCL alike. In
    eval mode it is BatchNorm1d: the running statistics, no communication. Its state
    (weights and running statistics) is BatchNorm1d's, under the same names.
    """

    ranks = None  # set by like(): the ranks to meet before every all-reduce

    @classmethod
    def like(cls, norm, ranks):
        """A SyncBatchNorm sharing ``norm``'s parameters and buffers, for ``ranks``."""
        synced = cls(norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats,
                     device=norm.running_mean.device)  # fmt: skip
        synced.weight, synced.bias = norm.weight, norm.bias
        synced.running_mean, synced.running_var = norm.running_mean, norm.running_var
        synced.num_batches_tracked = norm.num_batches_tracked
        synced.train(norm.training)
        synced.ranks = ranks
        return synced

    def forward(self, x):
        """Normalise (B, C, L) with the mean and variance over every rank's (B, L)."""
        if not self.training:
            return super().forward(x)
        x = x.float()  # as BatchNorm under autocast: statistics and output in float32
        dims = [0, *range(2, x.dim())]
        shape = [1, -1] + [1] * (x.dim() - 2)  # a channel vector against x
        count = x.new_full((1,), x.numel() // x.shape[1])
        if self.ranks is not None:
            self.ranks.check()  # a rank that failed earlier in this forward pass waits here
        # two passes, mean then squared deviations: more accurate than E[x^2] - E[x]^2
        world = dist.group.WORLD
        summed = differentiable_all_reduce(torch.cat([x.sum(dims), count]), "sum", world)  # (C + 1,)
        n = summed[-1]
        mean = summed[:-1] / n
        centred = x - mean.view(shape)
        var = differentiable_all_reduce((centred * centred).sum(dims), "sum", world) / n  # biased
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                factor = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.lerp_(mean, factor)
                self.running_var.lerp_(var * n / (n - 1).clamp(min=1), factor)  # unbiased
        out = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out


def synced_copy(network, ranks):
    """A deep copy of ``network`` with every BatchNorm1d a :class:`SyncBatchNorm`.

    The copy trains; ``network`` itself keeps plain BatchNorm1d (for predict, pickles,
    and a later single-process fit) and receives the trained state at the end.
    """
    network = copy.deepcopy(network)
    for module in list(network.modules()):
        for name, child in module.named_children():
            if type(child) is nn.BatchNorm1d:
                setattr(module, name, SyncBatchNorm.like(child, ranks))
    return network


# True from the start of a fit or pretrain on a rank until its ranks agree: an error in
# between must still reach the others, who wait for it in agree
_before_agreement = [False]


@contextlib.contextmanager
def failures_shared():
    """Let an error raised before training reach every rank (decorates fit and pretrain).

    Outside a distributed run it does nothing. Within one, a rank whose call raises
    before the ranks agreed to train joins their agreement with its error, so the
    other ranks raise :class:`DistributedTrainingError` instead of waiting for it.
    """
    if not launched():
        yield
        return
    _before_agreement[0] = True
    try:
        yield
    except Exception as error:
        if _before_agreement[0]:
            _before_agreement[0] = False
            _initialise()
            rank = dist.get_rank()
            _agree(Ranks(rank, dist.get_world_size(), torch.device("cpu"), _control_group()),
                   (None, None, _describe(error, "before training")), error)  # fmt: skip
        raise
    finally:
        _before_agreement[0] = False


def _agree(group, entry, error=None):
    entries = group._gather(entry)
    _before_agreement[0] = False
    _raise_if_failed([e[2] for e in entries], error)
    differ = [r for r, e in enumerate(entries) if not _same(e[1], entries[0][1])]
    if differ:
        r = differ[0]
        keys = [k for k in entries[0][1] if not _same(entries[r][1][k], entries[0][1][k])]
        raise DistributedTrainingError(
            f"the ranks of this distributed fit hold different data: rank {r}'s {keys[0]} is "
            f"{entries[r][1][keys[0]]}, rank 0's {entries[0][1][keys[0]]}. "
            "Pass the same y, X, fh and parameters to fit on every rank: each rank trains "
            "on its share of the windows of the whole data, which fit shares out itself."
        )
    return entries[0][0]


def _same(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-9) for x, y in zip(a, b))
    return a == b


def _describe(error, where):
    return None if error is None else f"{where} with {type(error).__name__}: {error}"


def _raise_if_failed(messages, error):
    if error is not None:
        raise error
    failed = [(r, m) for r, m in enumerate(messages) if m is not None]
    if failed:
        ranks_failed = ", ".join(str(r) for r, _ in failed)
        raise DistributedTrainingError(
            f"rank {failed[0][0]} failed {failed[0][1]} (ranks failing: "
            f"{ranks_failed}); this rank stopped with it, and the forecaster was left as "
            "it was. See that rank's error for the cause."
        )


def _initialise():
    if dist.is_initialized():
        return
    cuda = torch.cuda.is_available() and dist.is_nccl_available()
    dist.init_process_group("cpu:gloo,cuda:nccl" if cuda else "gloo")
    atexit.register(_destroy)


def _destroy():
    if dist.is_initialized():
        dist.destroy_process_group()


_control = {}  # the world group it was made for -> the gloo group for host-side flags


def _control_group():
    world = dist.group.WORLD
    if world not in _control:
        # a collective: every rank creates it at its first agreement, in the same order
        # a group apart even under gloo: a rank that failed inside a collective then
        # leaves the others waiting for the timeout, never matched with the wrong call
        _control.clear()
        _control[world] = dist.new_group(backend="gloo")
    return _control[world]
