"""Windows in, forecasts out: the one inference path of the package.

``predict`` and its probabilistic siblings, ``InformerForecaster.predict_windows``
(many origins in one pass), the diagnostics, the calibration and the benchmarks all
run the network through :func:`forecast_windows`: in chunks of ``batch_size`` windows,
so a large panel or a long test stretch cannot run out of device memory; under the
forecaster's seed, re-drawn for every chunk, so a window's forecast does not depend on
which chunk it falls in; and under its precision, with one copy back to the host at
the end.
"""

__all__ = ["forecast_windows"]

import numpy as np
import torch

from informer_sk.runtime import autocast, seeded


@torch.inference_mode()
def forecast_windows(network, windows, *, seed, precision="fp32", batch_size=1024,
                     return_attention=False):  # fmt: skip
    """The network's output for every window of ``windows``, on the standardised scale.

    Parameters
    ----------
    network : informer_sk.nn.Informer
    windows : informer_sk.windows.Windows
        On the network's device; their targets (zero placeholders) are not read.
    seed : int
        Seeds the ProbSparse key sample, as in ``predict``.
    precision : {"fp32", "tf32", "bf16"}, default="fp32"
    batch_size : int, default=1024
        Windows per forward pass.
    return_attention : bool, default=False
        Also return what each attention layer recorded (see ``Informer.forward``),
        concatenated over the chunks; for the diagnostics.

    Returns
    -------
    np.ndarray
        (N, pred_len, c_out) float64, or (N, pred_len, c_out, n_outputs) for a
        probabilistic head; with ``return_attention``, also the attention dict.
    """
    network.eval()
    device = windows.series.values.device
    outputs, attention = [], []
    for idx in torch.arange(len(windows), device=device).split(batch_size):
        x_enc, mark_enc, x_dec, mark_dec, _ = windows.batch(idx)
        with seeded(seed, device), autocast(precision, device):
            out = network(x_enc, mark_enc, x_dec, mark_dec, series_id=windows.series_ids(idx),
                          return_attention=return_attention)  # fmt: skip
        if return_attention:
            out, recorded = out
            attention.append(recorded)
        outputs.append(out.float())  # bf16 under autocast
    out = torch.cat(outputs).cpu().numpy().astype(np.float64)  # the one wait for the device
    if not return_attention:
        return out
    if len(attention) == 1:
        return out, attention[0]
    return out, {
        stack: [
            {k: torch.cat([chunk[stack][layer][k] for chunk in attention]) for k in info}
            for layer, info in enumerate(infos)
        ]
        for stack, infos in attention[0].items()
    }
