"""The Informer network (Zhou et al., 2021): a distilling encoder and a generative decoder.

The encoder stacks ProbSparse self-attention layers with a distilling layer
between consecutive ones (Eq. 5), halving the sequence each time. The decoder
gets the last ``label_len`` known steps followed by ``pred_len`` placeholders
and predicts all ``pred_len`` steps in one forward pass.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from informer_sk.nn.attention import AttentionLayer, FullAttention, ProbSparseAttention
from informer_sk.nn.dropout import Dropout
from informer_sk.nn.embedding import DataEmbedding, SeriesEmbedding

__all__ = [
    "Decoder",
    "DecoderLayer",
    "DistilLayer",
    "Encoder",
    "EncoderLayer",
    "FeedForward",
    "Informer",
    "InformerConfig",
    "InstanceNorm",
    "NormalHead",
    "QuantileHead",
    "seasonal_baseline",
]


@dataclass
class InformerConfig:
    """Hyperparameters of :class:`Informer`, named as in the original code.

    Parameters
    ----------
    enc_in : int
        Channels fed to the encoder (targets + exogenous).
    dec_in : int
        Channels fed to the decoder.
    c_out : int
        Channels predicted.
    seq_len : int, default=96
        Encoder input length.
    label_len : int, default=48
        Known steps at the start of the decoder input.
    pred_len : int, default=24
        Steps predicted.
    d_model : int, default=512
        Model width.
    n_heads : int, default=8
        Attention heads; must divide ``d_model``.
    e_layers : int, default=2
        Encoder attention layers.
    d_layers : int, default=1
        Decoder layers.
    d_ff : int, default=2048
        Hidden width of the feed-forward blocks.
    factor : int, default=5
        ProbSparse sampling factor c.
    attn : {"prob", "full"}, default="prob"
        Self-attention of encoder and decoder; cross-attention is always full.
    distil : bool, default=True
        Distilling layers between encoder layers.
    dropout : float, default=0.05
        Dropout everywhere (embeddings, attention weights, residual branches).
    embed : {"timeF", "fixed", "learned"}, default="timeF"
        Calendar embedding mode.
    activation : {"gelu", "relu"}, default="gelu"
        Activation of the feed-forward blocks.
    mark_sizes : tuple of int, default=()
        Cardinality of each integer calendar field; () means no calendar term.
    n_series : int, default=0
        Series of a panel that get a learned series embedding; 0 means none.
    head : {"point", "quantile", "normal"}, default="point"
        What the network emits per step and channel: one value; the quantiles at
        the levels ``quantiles``, ordered; or a Normal's mean and scale.
    quantiles : tuple of float, default=()
        Increasing levels in (0, 1) of the quantile head, 0.5 among them.
    revin : bool, default=False
        Reversible instance normalisation: every input window is standardised by its
        own mean and standard deviation, and the forecast scaled back.
    residual_sp : int, default=0
        If positive, the network forecasts the residual over a seasonal naive
        forecast of this period: the last ``residual_sp`` input steps of every
        target channel, repeated over the horizon, are added to its output (after
        instance normalisation, before it is undone), and the output projection
        starts at zero, so an untrained network forecasts seasonal naive. 0
        forecasts directly.
    residual_periods : int, default=1
        With ``residual_sp``, the baseline is the mean of the last
        ``residual_periods`` seasons of the input (``residual_periods * residual_sp``
        steps at most ``seq_len``) instead of the last one alone.
    highway : bool, default=False
        Add a linear forecast to the network's output: one ``seq_len`` to ``pred_len``
        linear map, shared by the target channels, of each target channel's input
        window (after instance normalisation, before it is undone), the highway of
        LSTNet (Lai et al., 2018) and the linear model of DLinear (Zeng et al., 2023).
        It starts at zero, and so does the output projection: an untrained network
        forecasts zero (with ``revin``, each window's mean) and learns the linear
        forecast and the network's correction to it together;
        :func:`informer_sk.training.fit_highway` starts it from a least-squares fit
        instead.

    Attributes
    ----------
    n_outputs : int
        Values emitted per step and channel: 1, ``len(quantiles)`` or 2.
    """

    enc_in: int
    dec_in: int
    c_out: int
    seq_len: int = 96
    label_len: int = 48
    pred_len: int = 24
    d_model: int = 512
    n_heads: int = 8
    e_layers: int = 2
    d_layers: int = 1
    d_ff: int = 2048
    factor: int = 5
    attn: str = "prob"
    distil: bool = True
    dropout: float = 0.05
    embed: str = "timeF"
    activation: str = "gelu"
    mark_sizes: tuple[int, ...] = ()
    n_series: int = 0
    head: str = "point"
    quantiles: tuple[float, ...] = ()
    revin: bool = False
    residual_sp: int = 0
    residual_periods: int = 1
    highway: bool = False

    @property
    def n_outputs(self):
        return {"point": 1, "quantile": len(self.quantiles), "normal": 2}[self.head]


def _self_attention(config, causal):
    """Multi-head self-attention of the kind ``config.attn`` names."""
    if config.attn == "prob":
        attention = ProbSparseAttention(causal, config.factor, config.dropout)
    else:
        attention = FullAttention(causal, config.dropout)
    return AttentionLayer(attention, config.d_model, config.n_heads)


class FeedForward(nn.Module):
    """Position-wise feed-forward block with dropout after each linear map.

    The original uses kernel-1 Conv1d layers; ``nn.Linear`` computes the same
    map without transposing to (B, d_model, L).
    """

    def __init__(self, config):
        super().__init__()
        self.linear1 = nn.Linear(config.d_model, config.d_ff)
        self.activation = {"gelu": nn.GELU, "relu": nn.ReLU}[config.activation]()
        self.linear2 = nn.Linear(config.d_ff, config.d_model)
        self.dropout = Dropout(config.dropout)

    def forward(self, x):
        """Map (B, L, d_model) to (B, L, d_model)."""
        x = self.dropout(self.activation(self.linear1(x)))
        return self.dropout(self.linear2(x))


class EncoderLayer(nn.Module):
    """Post-norm encoder layer: self-attention, then feed-forward."""

    def __init__(self, config):
        super().__init__()
        self.attention = _self_attention(config, causal=False)
        self.feed_forward = FeedForward(config)
        self.norm1 = nn.LayerNorm(config.d_model)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.dropout = Dropout(config.dropout)

    def forward(self, x, return_attention=False):
        """Map (B, L, d_model) to (B, L, d_model) and the attention info or None."""
        new_x, info = self.attention(x, x, x, return_attention)
        x = self.norm1(x + self.dropout(new_x))
        return self.norm2(x + self.feed_forward(x)), info


class DistilLayer(nn.Module):
    """Self-attention distilling (Eq. 5): Conv1d, BatchNorm, ELU, then a stride-2 max-pool.

    Halves the length: L -> ceil(L / 2).
    """

    def __init__(self, d_model):
        super().__init__()
        self.conv = nn.Conv1d(d_model, d_model, kernel_size=3, padding=1, padding_mode="circular")
        self.norm = nn.BatchNorm1d(d_model)
        self.activation = nn.ELU()
        self.pool = nn.MaxPool1d(kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        """Map (B, L, d_model) to (B, ceil(L / 2), d_model)."""
        x = self.conv(x.transpose(1, 2))  # (B, d_model, L)
        x = self.pool(self.activation(self.norm(x)))  # (B, d_model, ceil(L / 2))
        return x.transpose(1, 2)


class Encoder(nn.Module):
    """``e_layers`` encoder layers, a distilling layer between consecutive ones, final LayerNorm."""

    def __init__(self, config):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.e_layers))
        n_distil = config.e_layers - 1 if config.distil else 0
        self.distil_layers = nn.ModuleList(DistilLayer(config.d_model) for _ in range(n_distil))
        self.norm = nn.LayerNorm(config.d_model)

    def forward(self, x, return_attention=False, recompute=False):
        """Encode (B, seq_len, d_model).

        Parameters
        ----------
        x : torch.Tensor
            (B, seq_len, d_model).
        return_attention : bool, default=False
            Also return every layer's attention diagnostics.
        recompute : bool, default=False
            Keep only each attention layer's input for the backward pass, which runs
            the layer again (activation checkpointing; see ``Informer``).

        Returns
        -------
        x : torch.Tensor
            (B, L_enc, d_model), L_enc = seq_len halved once per distilling layer.
        infos : list
            Per layer, the attention info (dict) or None.
        """
        infos = []
        for i, layer in enumerate(self.layers):
            if recompute:
                x, info = checkpoint(layer, x, use_reentrant=False)
            else:
                x, info = layer(x, return_attention)
            infos.append(info)
            if i < len(self.distil_layers):
                x = self.distil_layers[i](x)
        return self.norm(x), infos


class DecoderLayer(nn.Module):
    """Post-norm decoder layer: masked self-attention, full cross-attention, feed-forward."""

    def __init__(self, config):
        super().__init__()
        self.self_attention = _self_attention(config, causal=True)
        self.cross_attention = AttentionLayer(
            FullAttention(causal=False, dropout=config.dropout), config.d_model, config.n_heads
        )
        self.feed_forward = FeedForward(config)
        self.norm1 = nn.LayerNorm(config.d_model)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.norm3 = nn.LayerNorm(config.d_model)
        self.dropout = Dropout(config.dropout)

    def forward(self, x, memory, return_attention=False, last_rows=None):
        """Decode ``x`` against the encoder output ``memory``.

        Parameters
        ----------
        x : torch.Tensor
            (B, L_dec, d_model).
        memory : torch.Tensor
            (B, L_enc, d_model).
        return_attention : bool, default=False
            Also return both attentions' diagnostics.
        last_rows : int or None, default=None
            Only compute the last ``last_rows`` rows from the self-attention's output
            projection on: everything from there is row-wise (cross-attention is
            unmasked), so those rows are what the full pass gives.

        Returns
        -------
        x : torch.Tensor
            (B, L_dec, d_model), or (B, last_rows, d_model).
        self_info, cross_info : dict or None
        """
        new_x, self_info = self.self_attention(x, x, x, return_attention, last_rows)
        if last_rows is not None:
            x = x[:, -last_rows:]  # (B, last_rows, d_model)
        x = self.norm1(x + self.dropout(new_x))
        new_x, cross_info = self.cross_attention(x, memory, memory, return_attention)
        x = self.norm2(x + self.dropout(new_x))
        return self.norm3(x + self.feed_forward(x)), self_info, cross_info


class Decoder(nn.Module):
    """``d_layers`` decoder layers, a final LayerNorm and a projection to ``c_out`` channels."""

    def __init__(self, config):
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(config.d_layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.projection = nn.Linear(config.d_model, config.c_out * config.n_outputs)

    def forward(self, x, memory, return_attention=False, last_rows=None, recompute=False):
        """Decode ``x`` against the encoder output ``memory``.

        Parameters
        ----------
        x : torch.Tensor
            (B, L_dec, d_model).
        memory : torch.Tensor
            (B, L_enc, d_model).
        return_attention : bool, default=False
            Also return every layer's attention diagnostics.
        last_rows : int or None, default=None
            Only the last ``last_rows`` positions are wanted: the last layer computes
            just those rows after its self-attention.
        recompute : bool, default=False
            Keep only each layer's inputs for the backward pass, which runs the layer
            again (activation checkpointing; see ``Informer``).

        Returns
        -------
        out : torch.Tensor
            (B, L_dec, c_out * n), or (B, last_rows, c_out * n), n = ``config.n_outputs``.
        self_infos, cross_infos : list
            Per layer, the attention info (dict) or None.
        """
        self_infos, cross_infos = [], []
        for i, layer in enumerate(self.layers):
            rows = last_rows if i == len(self.layers) - 1 else None
            if recompute:
                x, self_info, cross_info = checkpoint(layer, x, memory, False, rows, use_reentrant=False)
            else:
                x, self_info, cross_info = layer(x, memory, return_attention, rows)
            self_infos.append(self_info)
            cross_infos.append(cross_info)
        return self.projection(self.norm(x)), self_infos, cross_infos


# the smallest scale of the Normal head, on the standardised scale: keeps the
# likelihood finite when a window is fitted almost exactly
_MIN_SCALE = 1e-3


class QuantileHead(nn.Module):
    """Quantiles that never cross: the median plus cumulative positive steps.

    Each level's distance from its neighbour towards the median is a softplus, so
    the levels are ordered by construction, whatever the weights.
    """

    def __init__(self, config):
        super().__init__()
        self.c_out, self.n_outputs = config.c_out, config.n_outputs
        self.median = config.quantiles.index(0.5)

    def forward(self, x):
        """Map (B, L, c_out * Q) to ordered quantiles (B, L, c_out, Q)."""
        x = x.unflatten(-1, (self.c_out, self.n_outputs))  # (B, L, c_out, Q)
        m = self.median
        mid = x[..., m : m + 1]  # (B, L, c_out, 1)
        up = mid + torch.cumsum(F.softplus(x[..., m + 1 :]), dim=-1)
        # steps below the median accumulate away from it: flip, sum, flip back
        down = mid - torch.cumsum(F.softplus(x[..., :m].flip(-1)), dim=-1).flip(-1)
        return torch.cat([down, mid, up], dim=-1)


class NormalHead(nn.Module):
    """A Normal's mean and a positive scale (softplus plus a small floor)."""

    def __init__(self, config):
        super().__init__()
        self.c_out = config.c_out

    def forward(self, x):
        """Map (B, L, c_out * 2) to (B, L, c_out, 2): mean, then scale."""
        x = x.unflatten(-1, (self.c_out, 2))  # (B, L, c_out, 2)
        scale = F.softplus(x[..., 1]) + _MIN_SCALE
        return torch.stack([x[..., 0], scale], dim=-1)


_HEADS = {"quantile": QuantileHead, "normal": NormalHead}


class InstanceNorm(nn.Module):
    """Reversible instance normalisation (Kim et al., ICLR 2022), without the affine map.

    Each window is standardised per channel by the mean and standard deviation of its
    encoder input, and the forecast is mapped back with the target channels' ones: the
    network sees windows at a common level and scale, so a level shift between the
    training and the test months (common in ETT) is not extrapolated. No learned
    affine term, so the map back is increasing and the quantile head stays ordered.
    """

    def __init__(self, config, eps=1e-5):
        super().__init__()
        self.label_len, self.n_targets, self.eps = config.label_len, config.c_out, eps
        self.head = config.head

    def normalise(self, x_enc, x_dec):
        """Standardised copies of x_enc (B, seq_len, C) and x_dec, and the statistics."""
        mean = x_enc.mean(dim=1, keepdim=True)  # (B, 1, C)
        std = torch.sqrt(x_enc.var(dim=1, keepdim=True, unbiased=False) + self.eps)
        x_dec = (x_dec - mean) / std
        x_dec[:, self.label_len :, : self.n_targets] = 0.0  # placeholders stay zero
        return (x_enc - mean) / std, x_dec, (mean, std)

    def denormalise(self, out, stats):
        """Map (B, pred_len, c_out[, n_outputs]) back to the windows' scale."""
        mean, std = (s[..., : self.n_targets] for s in stats)  # (B, 1, c_out)
        if out.dim() == 4:  # a probabilistic head: broadcast over its outputs
            std = std.unsqueeze(-1)
        return _shift(out * std, mean, self.head)


def _shift(out, shift, head):
    """Add ``shift`` (B, L, c_out) to every output of a head's (B, pred_len, c_out[, n_outputs]).

    Point values and quantiles all move, so quantiles keep their order; of a Normal
    only the mean moves, its scale is no location.
    """
    if out.dim() == 4:
        shift = shift.unsqueeze(-1)
        if head == "normal":
            shift = torch.cat([shift, torch.zeros_like(shift)], dim=-1)  # (B, L, c_out, 2)
    return out + shift


def seasonal_baseline(x_enc, sp, periods, pred_len, n_targets):
    """The mean of the last ``periods`` seasons of ``sp`` steps of the first ``n_targets``
    channels of x_enc (B, seq_len, C), repeated over ``pred_len`` steps: (B, pred_len,
    n_targets). One period is the seasonal naive forecast."""
    B, seq_len, _ = x_enc.shape
    seasons = x_enc[:, seq_len - periods * sp :, :n_targets].reshape(B, periods, sp, n_targets)
    profile = seasons[:, 0] if periods == 1 else seasons.mean(dim=1)  # (B, sp, n_targets)
    return profile[:, torch.arange(pred_len, device=x_enc.device) % sp]


class Informer(nn.Module):
    """Informer network: embeddings, distilling encoder, generative decoder.

    Parameters
    ----------
    config : InformerConfig
        Hyperparameters; validated by the caller.

    Attributes
    ----------
    recompute : bool
        False by default. True in training mode: the encoder and decoder layers keep
        only their inputs for the backward pass and run again in it
        (``torch.utils.checkpoint``), which lowers the training step's peak memory
        for about a fifth more time a step. The recomputation draws the same
        dropout and key samples (checkpointing restores torch's RNG state), so the
        gradients are those of the plain pass.

    References
    ----------
    .. [1] Zhou, H., Zhang, S., Peng, J., Zhang, S., Li, J., Xiong, H., Zhang, W.
       "Informer: Beyond Efficient Transformer for Long Sequence Time-Series
       Forecasting", AAAI 2021.

    Examples
    --------
    >>> import torch
    >>> from informer_sk.nn import Informer, InformerConfig
    >>> config = InformerConfig(enc_in=2, dec_in=2, c_out=1, seq_len=16, label_len=8,
    ...                         pred_len=4, d_model=16, n_heads=2, d_ff=32, mark_sizes=(24, 7))
    >>> model = Informer(config)
    >>> x_enc, x_dec = torch.randn(3, 16, 2), torch.randn(3, 12, 2)
    >>> mark_enc = torch.stack([torch.randint(24, (3, 16)), torch.randint(7, (3, 16))], dim=-1)
    >>> mark_dec = torch.stack([torch.randint(24, (3, 12)), torch.randint(7, (3, 12))], dim=-1)
    >>> model(x_enc, mark_enc, x_dec, mark_dec).shape
    torch.Size([3, 4, 1])
    """

    recompute = False

    def __init__(self, config):
        super().__init__()
        self.config = config
        max_len = max(config.seq_len, config.label_len + config.pred_len)
        self.enc_embedding = DataEmbedding(
            config.enc_in, config.d_model, max_len, config.mark_sizes, config.embed, config.dropout
        )
        self.dec_embedding = DataEmbedding(
            config.dec_in, config.d_model, max_len, config.mark_sizes, config.embed, config.dropout
        )
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        # no weights of its own: the decoder's projection emits every output
        self.head = nn.Identity() if config.head == "point" else _HEADS[config.head](config)
        self.instance_norm = InstanceNorm(config) if config.revin else None
        if config.residual_sp or config.highway:
            # a zero correction at first: training starts from the baseline alone
            nn.init.zeros_(self.decoder.projection.weight)
            nn.init.zeros_(self.decoder.projection.bias)
        # created last, so the other weights draw the same initial values with or without
        self.series_embedding = None
        if config.n_series:
            self.series_embedding = SeriesEmbedding(config.n_series, config.d_model)
        self.highway = None
        if config.highway:
            self.highway = nn.Linear(config.seq_len, config.pred_len)
            nn.init.zeros_(self.highway.weight)
            nn.init.zeros_(self.highway.bias)

    def forward(
        self, x_enc, x_mark_enc, x_dec, x_mark_dec, return_attention=False, series_id=None
    ):
        """Forecast the next ``pred_len`` steps.

        Parameters
        ----------
        x_enc : torch.Tensor
            (B, seq_len, enc_in) float.
        x_mark_enc : torch.Tensor
            (B, seq_len, n_fields) long calendar marks; ignored when n_fields is 0.
        x_dec : torch.Tensor
            (B, label_len + pred_len, dec_in) float.
        x_mark_dec : torch.Tensor
            (B, label_len + pred_len, n_fields) long.
        return_attention : bool, default=False
            Also return the attention diagnostics of every layer.
        series_id : torch.Tensor, optional
            (B,) long: the series of each window, -1 for one unseen in training; used
            only with ``n_series > 0``, where None counts every window as unseen.

        Returns
        -------
        out : torch.Tensor
            (B, pred_len, c_out) for the point head, else (B, pred_len, c_out,
            n_outputs): ordered quantiles, or the Normal's mean and scale.
        attentions : dict, only when ``return_attention``
            ``{"encoder": [...], "decoder_self": [...], "decoder_cross": [...]}``,
            one dict of tensors per layer (see ``FullAttention`` and
            ``ProbSparseAttention``).
        """
        pred_len = self.config.pred_len
        if self.instance_norm is not None:
            x_enc, x_dec, stats = self.instance_norm.normalise(x_enc, x_dec)
        enc_in = self.enc_embedding(x_enc, x_mark_enc)  # (B, seq_len, d_model)
        dec_in = self.dec_embedding(x_dec, x_mark_dec)  # (B, label_len + pred_len, d_model)
        if self.series_embedding is not None:
            if series_id is None:
                series_id = torch.full((x_enc.shape[0],), -1, device=x_enc.device)
            series = self.series_embedding(series_id)  # (B, 1, d_model)
            enc_in, dec_in = enc_in + series, dec_in + series
        recompute = self.recompute and self.training and not return_attention and torch.is_grad_enabled()
        memory, enc_infos = self.encoder(enc_in, return_attention, recompute)
        # horizon rows only past the last self-attention: step 1.17x faster (speed --quick, paired)
        last_rows = None if return_attention else pred_len  # diagnostics see every row
        out, self_infos, cross_infos = self.decoder(dec_in, memory, return_attention, last_rows, recompute)
        out = self.head(out[:, -pred_len:])  # (B, pred_len, c_out[, n_outputs])
        if self.config.residual_sp:
            config = self.config
            baseline = seasonal_baseline(x_enc, config.residual_sp, config.residual_periods, pred_len, config.c_out)
            out = _shift(out, baseline, self.config.head)
        if self.highway is not None:
            linear = self.highway(x_enc[..., : self.config.c_out].transpose(1, 2))  # (B, c_out, pred_len)
            out = _shift(out, linear.transpose(1, 2), self.config.head)
        if self.instance_norm is not None:
            out = self.instance_norm.denormalise(out, stats)
        if not return_attention:
            return out
        return out, {"encoder": enc_infos, "decoder_self": self_infos, "decoder_cross": cross_infos}
