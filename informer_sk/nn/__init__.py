"""The Informer network in PyTorch; knows nothing of pandas or sktime."""

from informer_sk.nn.attention import AttentionLayer, FullAttention, ProbSparseAttention
from informer_sk.nn.informer import Informer, InformerConfig

__all__ = ["AttentionLayer", "FullAttention", "Informer", "InformerConfig", "ProbSparseAttention"]
