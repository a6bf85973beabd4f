"""Full and ProbSparse self-attention, and the multi-head layer around them.

``ProbSparseAttention`` follows Section "Efficient Self-attention Mechanism" of
Zhou et al. (2021): each query's sparsity measurement M̄(q, K) (Eq. 4) is
estimated on U = factor·⌈ln L_K⌉ sampled keys, only the top u = factor·⌈ln L_Q⌉
queries get exact attention, the other ("lazy") queries output the mean of V.
Time and memory grow as L log L: no L_Q×L_K tensor is ever built.

Deliberate differences from the original code (github.com/zhouhaoyi/Informer2020):

- The sample mean in M̄(q, K) divides the sum of the U sampled scores by U, as
  Eq. 4 does; the original divides it by L_K.
- In the masked (decoder) self-attention a lazy query at position i outputs the
  running *mean* of V over positions j <= i; the original uses the running sum,
  whose scale grows with i and does not match the encoder's mean(V).
- There is no ``mix`` head reshuffle in the decoder: the original, with
  ``mix=True``, reshapes (B, H, L, D) outputs as if they were (B, L, H, D).
- One sample of U keys is drawn per (batch element, head) and shared by all its
  queries, so the sampled scores are one matmul of shape (B, H, L_Q, U); the
  original draws the sample tensor as (B, H, L_Q, U, D), a per-query copy of
  the keys that dominates its memory.
- Attention dropout is applied to the active queries' attention weights; the
  original forgets it.
- The top u queries are chosen per batch element and per head.
- u and U are at least 1, so a length-1 sequence (⌈ln 1⌉ = 0) still works.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from informer_sk.nn.dropout import Dropout

__all__ = ["AttentionLayer", "FullAttention", "ProbSparseAttention"]


def _softmax_attention(q, k, v, mask, dropout):
    """Attention with explicit weights, for when the caller wants to see them.

    Parameters
    ----------
    q : torch.Tensor
        Queries, (B, H, L_Q, D).
    k, v : torch.Tensor
        Keys and values, (B, H, L_K, D).
    mask : torch.Tensor or None
        Boolean, broadcastable to (B, H, L_Q, L_K); True where a query may attend.
    dropout : Dropout
        Dropout on the attention weights.

    Returns
    -------
    out : torch.Tensor
        (B, H, L_Q, D).
    weights : torch.Tensor
        softmax(QK^T/√D) before dropout, (B, H, L_Q, L_K).
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, H, L_Q, L_K)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return dropout(weights) @ v, weights


class _Attention(nn.Module):
    """What both attentions share: the causal flag, dropout on the attention weights, and
    when to build those weights explicitly rather than in ``scaled_dot_product_attention``."""

    def __init__(self, causal=False, dropout=0.0):
        super().__init__()
        self.causal = causal
        self.dropout = Dropout(dropout)

    def _explicit(self, q, return_attention):
        """For the diagnostics, which return the weights; and for dropout on the CPU, where
        the fused call builds the weights too but draws its mask with torch's ``bernoulli_``."""
        # the package's dropout instead: the scale network's step 1.29x faster (speed --quick, paired)
        on_cpu_with_dropout = self.training and self.dropout.p > 0 and q.device.type == "cpu"
        return return_attention or on_cpu_with_dropout


class FullAttention(_Attention):
    """Canonical scaled dot-product attention, softmax(QK^T/√D)V.

    Parameters
    ----------
    causal : bool, default=False
        Whether the query at position i only sees keys at positions j <= i.
    dropout : float, default=0.0
        Dropout on the attention weights, in training only.
    """

    def forward(self, q, k, v, return_attention=False):
        """Attend every query to every key.

        Parameters
        ----------
        q : torch.Tensor
            Queries, (B, H, L_Q, D).
        k, v : torch.Tensor
            Keys and values, (B, H, L_K, D).
        return_attention : bool, default=False
            Also return ``{"weights": (B, H, L_Q, L_K)}``; this takes the
            explicit (unfused) path.

        Returns
        -------
        out : torch.Tensor
            (B, H, L_Q, D).
        info : dict or None
        """
        if not self._explicit(q, return_attention):
            p = self.dropout.p if self.training else 0.0
            return F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=self.causal), None
        mask = None
        if self.causal:
            mask = torch.ones(q.size(2), k.size(2), dtype=torch.bool, device=q.device).tril()
        out, weights = _softmax_attention(q, k, v, mask, self.dropout)
        return out, ({"weights": weights} if return_attention else None)


class ProbSparseAttention(_Attention):
    """ProbSparse self-attention (Zhou et al., 2021, Eq. 3 and 4).

    Parameters
    ----------
    causal : bool, default=False
        Masked self-attention (decoder): the query at position i sees keys
        j <= i and a lazy query outputs the running mean of V up to i.
        Requires L_Q == L_K.
    factor : int, default=5
        The sampling factor c: U = c·⌈ln L_K⌉ keys are sampled and the top
        u = c·⌈ln L_Q⌉ queries are active (each capped at the length).
    dropout : float, default=0.0
        Dropout on the active queries' attention weights, in training only.

    Notes
    -----
    Key sampling uses ``torch.randint`` from the global torch RNG, so seeding
    torch makes it reproducible. In training every (window, head) draws its own
    sample; in eval one sample per head is shared by the windows of a batch. When U reaches L_K every key is used exactly.
    """

    def __init__(self, causal=False, factor=5, dropout=0.0):
        super().__init__(causal, dropout)
        self.factor = factor

    def _n_selected(self, length):
        """c·⌈ln L⌉ capped at L, at least 1."""
        return min(max(self.factor * math.ceil(math.log(length)), 1), length)

    def _sparsity(self, q, k, n_sampled_keys):
        """Eq. 4's max-mean measurement of every query on U sampled keys, (B, H, L_Q)."""
        B, H, L_Q, D = q.shape
        L_K = k.size(2)
        k_sample = k
        if n_sampled_keys < L_K:
            # in eval one sample per head serves every window, so a window's forecast
            # does not depend on the batch it is in (predict vs a batched backtest)
            n_draws = B if self.training else 1
            sample = torch.randint(L_K, (n_draws, H, n_sampled_keys, 1), device=k.device)
            k_sample = k.gather(2, sample.expand(B, -1, -1, D))  # (B, H, U, D)
        scores = q @ k_sample.transpose(-2, -1) / math.sqrt(D)  # (B, H, L_Q, U)
        return scores.amax(dim=-1) - scores.mean(dim=-1)

    def forward(self, q, k, v, return_attention=False):
        """Attend the top-u queries exactly, give the lazy queries mean(V).

        Parameters
        ----------
        q : torch.Tensor
            Queries, (B, H, L_Q, D).
        k, v : torch.Tensor
            Keys and values, (B, H, L_K, D).
        return_attention : bool, default=False
            Also return the diagnostics ``{"weights": (B, H, u, L_K),
            "sparsity": (B, H, L_Q), "top_index": (B, H, u)}``.

        Returns
        -------
        out : torch.Tensor
            (B, H, L_Q, D).
        info : dict or None
        """
        B, H, L_Q, D = q.shape
        L_K = k.size(2)
        n_sampled_keys = self._n_selected(L_K)
        top_u = self._n_selected(L_Q)

        # the measurement only selects queries: no gradient flows through it
        with torch.no_grad():
            sparsity = self._sparsity(q, k, n_sampled_keys)  # (B, H, L_Q)
            top_index = sparsity.topk(top_u, dim=-1, sorted=False).indices  # (B, H, u)

        index = top_index.unsqueeze(-1)  # (B, H, u, 1)
        q_top = q.gather(2, index.expand(-1, -1, -1, D))  # (B, H, u, D)
        mask = None
        if self.causal:
            mask = index >= torch.arange(L_K, device=q.device)  # (B, H, u, L_K)
        if self._explicit(q, return_attention):
            out_top, weights = _softmax_attention(q_top, k, v, mask, self.dropout)
        else:
            p = self.dropout.p if self.training else 0.0
            out_top = F.scaled_dot_product_attention(q_top, k, v, attn_mask=mask, dropout_p=p)

        if self.causal:
            count = torch.arange(1, L_K + 1, device=v.device, dtype=v.dtype).unsqueeze(-1)  # (L, 1)
            lazy = v.cumsum(dim=2) / count  # (B, H, L, D)
        else:
            lazy = v.mean(dim=2, keepdim=True).expand(B, H, L_Q, D)  # (B, H, L_Q, D)
        # under CUDA's autocast cumsum runs in fp32 while the attention gives bf16
        out = lazy.to(out_top.dtype).scatter(2, index.expand(-1, -1, -1, D), out_top)  # (B, H, L_Q, D)

        if not return_attention:
            return out, None
        return out, {"weights": weights, "sparsity": sparsity, "top_index": top_index}


class AttentionLayer(nn.Module):
    """Multi-head attention: project, split into heads, attend, merge, project.

    Parameters
    ----------
    attention : FullAttention or ProbSparseAttention
        The inner attention, applied to (B, H, L, D) heads.
    d_model : int
        Model width; split into ``n_heads`` heads of ``d_model // n_heads``.
    n_heads : int
        Number of heads.
    """

    def __init__(self, attention, d_model, n_heads):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}")
        self.attention = attention
        self.n_heads = n_heads
        self.query_projection = nn.Linear(d_model, d_model)
        self.key_projection = nn.Linear(d_model, d_model)
        self.value_projection = nn.Linear(d_model, d_model)
        self.out_projection = nn.Linear(d_model, d_model)

    def forward(self, queries, keys, values, return_attention=False, last_rows=None):
        """Multi-head attention of ``queries`` over ``keys``/``values``.

        Parameters
        ----------
        queries : torch.Tensor
            (B, L_Q, d_model).
        keys, values : torch.Tensor
            (B, L_K, d_model).
        return_attention : bool, default=False
            Also return the inner attention's diagnostics.
        last_rows : int or None, default=None
            Only project the last ``last_rows`` query rows' outputs (every query still
            takes part in ProbSparse's choice of active queries).

        Returns
        -------
        out : torch.Tensor
            (B, L_Q, d_model), or (B, last_rows, d_model).
        info : dict or None
        """
        B, L_Q, d_model = queries.shape
        L_K = keys.size(1)
        H = self.n_heads
        q = self.query_projection(queries).view(B, L_Q, H, -1).transpose(1, 2)  # (B, H, L_Q, D)
        k = self.key_projection(keys).view(B, L_K, H, -1).transpose(1, 2)  # (B, H, L_K, D)
        v = self.value_projection(values).view(B, L_K, H, -1).transpose(1, 2)  # (B, H, L_K, D)
        out, info = self.attention(q, k, v, return_attention)
        if last_rows is not None:
            out, L_Q = out[:, :, -last_rows:], last_rows  # (B, H, last_rows, D)
        out = out.transpose(1, 2).reshape(B, L_Q, d_model)  # (B, L_Q, H * D)
        return self.out_projection(out), info
