"""Tests of the encoder, the decoder and the Informer network."""

import dataclasses
import itertools
import math

import hypothesis.extra.numpy as hnp
import re
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.overrides import TorchFunctionMode

from informer_sk.nn import Informer, InformerConfig
from informer_sk.nn.informer import Decoder, DistilLayer, Encoder, NormalHead, QuantileHead

B = 3
MARK_SIZES = (24, 7, 31, 366)


def _config(**kwargs):
    small = dict(enc_in=3, dec_in=2, c_out=2, seq_len=16, label_len=8, pred_len=4)
    small.update(d_model=16, n_heads=2, d_ff=32, mark_sizes=MARK_SIZES)
    return InformerConfig(**{**small, **kwargs})


def _inputs(config, seed=0):
    g = torch.Generator().manual_seed(seed)
    L_dec = config.label_len + config.pred_len

    def marks(L):
        fields = [torch.randint(size, (B, L), generator=g) for size in config.mark_sizes]
        return torch.stack(fields, dim=-1) if fields else torch.zeros(B, L, 0, dtype=torch.long)

    x_enc = torch.randn(B, config.seq_len, config.enc_in, generator=g)
    x_dec = torch.randn(B, L_dec, config.dec_in, generator=g)
    return x_enc, marks(config.seq_len), x_dec, marks(L_dec)


@pytest.mark.parametrize("attn", ["prob", "full"])
@pytest.mark.parametrize("embed", ["timeF", "fixed", "learned"])
@pytest.mark.parametrize("mark_sizes", [(), (7,), MARK_SIZES])
def test_output_shape(attn, embed, mark_sizes):
    config = _config(attn=attn, embed=embed, mark_sizes=mark_sizes)
    out = Informer(config)(*_inputs(config))
    assert out.shape == (B, config.pred_len, config.c_out)
    assert torch.isfinite(out).all()


def test_distil_layer_halves_the_length():
    layer = DistilLayer(d_model=8)
    assert layer(torch.randn(2, 96, 8)).shape == (2, 48, 8)
    assert layer(torch.randn(2, 7, 8)).shape == (2, 4, 8)


@pytest.mark.parametrize("distil, lengths", [(True, [96, 48, 24]), (False, [96, 96, 96])])
def test_encoder_distilling_lengths(distil, lengths):
    config = _config(seq_len=96, e_layers=3, distil=distil, attn="full")
    encoder = Encoder(config)
    assert len(encoder.distil_layers) == (2 if distil else 0)
    out, infos = encoder(torch.randn(2, 96, config.d_model), return_attention=True)
    assert out.shape == (2, lengths[-1], config.d_model)
    assert [info["weights"].size(-1) for info in infos] == lengths


@pytest.mark.parametrize("attn", ["prob", "full"])
def test_gradients_reach_every_parameter(attn):
    config = _config(attn=attn, embed="learned", e_layers=2, d_layers=2, factor=1)
    model = Informer(config).train()
    model(*_inputs(config)).square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


# ProbSparse couples positions through its random key sample and its top-u
# selection (a later input changes which queries are active), so causality is
# exact only when u and U cover every query and key: factor=50 with L <= 16 does.
@pytest.mark.parametrize("attn, factor", [("prob", 50), ("full", 5)])
def test_decoder_is_causal(attn, factor):
    config = _config(attn=attn, factor=factor, d_layers=2)
    decoder = Decoder(config).eval()
    x, memory = torch.randn(B, 12, config.d_model), torch.randn(B, 5, config.d_model)
    t = 7
    x2 = x.clone()
    x2[:, t] += 1.0
    out, out2 = decoder(x, memory)[0], decoder(x2, memory)[0]
    torch.testing.assert_close(out2[:, :t], out[:, :t])
    assert not torch.allclose(out2[:, t], out[:, t])


# The value embedding's kernel-3 circular conv lets a decoder input reach its
# neighbours (the forecast positions hold placeholders), so the model-level
# check changes a calendar mark, which enters its own position only.
@pytest.mark.parametrize("attn, factor", [("prob", 50), ("full", 5)])
def test_informer_is_causal_in_decoder_marks(attn, factor):
    config = _config(attn=attn, factor=factor)
    model = Informer(config).eval()
    x_enc, mark_enc, x_dec, mark_dec = _inputs(config)
    step = 2  # forecast step changed
    t = config.label_len + step
    mark_dec2 = mark_dec.clone()
    mark_dec2[:, t] = (mark_dec2[:, t] + 1) % torch.tensor(MARK_SIZES)
    out = model(x_enc, mark_enc, x_dec, mark_dec)
    out2 = model(x_enc, mark_enc, x_dec, mark_dec2)
    torch.testing.assert_close(out2[:, :step], out[:, :step])
    assert not torch.allclose(out2[:, step], out[:, step])


@pytest.mark.parametrize("attn", ["prob", "full"])
def test_last_layer_shortcut_equals_full_decoder(attn):
    config = _config(attn=attn, factor=1, d_layers=2)
    decoder = Decoder(config).eval()
    x, memory = torch.randn(B, 12, config.d_model), torch.randn(B, 5, config.d_model)
    torch.manual_seed(0)
    full = decoder(x, memory)[0]
    torch.manual_seed(0)
    short = decoder(x, memory, last_rows=config.pred_len)[0]
    assert full.shape == (B, 12, config.c_out) and short.shape == (B, config.pred_len, config.c_out)
    torch.testing.assert_close(short, full[:, -config.pred_len :])


@pytest.mark.parametrize("attn", ["prob", "full"])
def test_same_seed_same_output(attn):
    config = _config(attn=attn, factor=1)
    inputs = _inputs(config)
    outputs = []
    for _ in range(2):
        torch.manual_seed(42)
        model = Informer(config).train()  # dropout and key sampling both draw from the RNG
        outputs.append(model(*inputs))
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0)


def _saved_bytes_and_grads(model, inputs):
    saved = []

    def pack(tensor):
        saved.append(tensor.numel() * tensor.element_size())
        return tensor

    torch.manual_seed(42)  # dropout and key sampling draw from it, in both passes
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = model(*inputs)
    out.square().mean().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad()
    return sum(saved), out.detach(), grads


@pytest.mark.parametrize("attn", ["prob", "full"])
def test_recompute_gives_the_same_output_and_gradients_from_less_saved_memory(attn):
    config = _config(attn=attn, factor=1, e_layers=2, d_layers=2, dropout=0.3)
    model, inputs = Informer(config).train(), _inputs(config)
    plain_bytes, plain_out, plain_grads = _saved_bytes_and_grads(model, inputs)
    model.recompute = True
    bytes_, out, grads = _saved_bytes_and_grads(model, inputs)
    torch.testing.assert_close(out, plain_out, rtol=0, atol=0)
    for name, grad in grads.items():
        torch.testing.assert_close(grad, plain_grads[name], msg=name)
    assert bytes_ < 0.5 * plain_bytes


def test_recompute_is_for_training_only():
    config = _config(factor=1)
    model, inputs = Informer(config), _inputs(config)
    model.recompute = True
    with torch.no_grad():
        torch.manual_seed(0)
        kept = model.eval()(*inputs)
        model.recompute = False
        torch.manual_seed(0)
        torch.testing.assert_close(model(*inputs), kept, rtol=0, atol=0)


def test_return_attention_prob_keys_and_shapes():
    config = _config(attn="prob", factor=1, e_layers=2, d_layers=2)
    model = Informer(config).eval()
    inputs = _inputs(config)
    torch.manual_seed(0)
    plain = model(*inputs)
    torch.manual_seed(0)
    out, attentions = model(*inputs, return_attention=True)
    torch.testing.assert_close(out, plain)
    assert set(attentions) == {"encoder", "decoder_self", "decoder_cross"}
    H, L_dec = config.n_heads, config.label_len + config.pred_len
    u = math.ceil(math.log(L_dec))
    for L, info in zip([16, 8], attentions["encoder"]):
        u_enc = math.ceil(math.log(L))
        assert set(info) == {"weights", "sparsity", "top_index"}
        assert info["weights"].shape == (B, H, u_enc, L)
        assert info["sparsity"].shape == (B, H, L)
        assert info["top_index"].shape == (B, H, u_enc)
    assert len(attentions["decoder_self"]) == len(attentions["decoder_cross"]) == 2
    for info in attentions["decoder_self"]:
        assert info["weights"].shape == (B, H, u, L_dec)
        assert info["sparsity"].shape == (B, H, L_dec)
        assert info["top_index"].shape == (B, H, u)
    for info in attentions["decoder_cross"]:
        assert set(info) == {"weights"}
        assert info["weights"].shape == (B, H, L_dec, 8)


def test_return_attention_full_keys_and_shapes():
    config = _config(attn="full", e_layers=3)
    model = Informer(config).eval()
    inputs = _inputs(config)
    out, attentions = model(*inputs, return_attention=True)
    torch.testing.assert_close(out, model(*inputs))
    H, L_dec = config.n_heads, config.label_len + config.pred_len
    shapes = [info["weights"].shape for info in attentions["encoder"]]
    assert shapes == [(B, H, 16, 16), (B, H, 8, 8), (B, H, 4, 4)]
    assert [set(info) for info in attentions["encoder"]] == [{"weights"}] * 3
    assert attentions["decoder_self"][0]["weights"].shape == (B, H, L_dec, L_dec)
    assert attentions["decoder_cross"][0]["weights"].shape == (B, H, L_dec, 4)


def test_config_defaults_follow_the_paper():
    config = InformerConfig(enc_in=7, dec_in=7, c_out=7)
    assert (config.seq_len, config.label_len, config.pred_len) == (96, 48, 24)
    assert (config.d_model, config.n_heads, config.d_ff, config.factor) == (512, 8, 2048, 5)
    assert config.attn == "prob" and config.distil and config.mark_sizes == ()
    assert dataclasses.replace(config, attn="full").attn == "full"


# The original code's parameter names, which pickles saved by every earlier version
# hold: a change here needs a migration of saved state_dicts.
STATE_DICT_KEYS = """
dec_embedding.calendar_embedding.linear.weight dec_embedding.value_embedding.conv.weight
decoder.layers.N.cross_attention.{key,out,query,value}_projection.{bias,weight}
decoder.layers.N.feed_forward.{linear1,linear2}.{bias,weight}
decoder.layers.N.{norm1,norm2,norm3}.{bias,weight}
decoder.layers.N.self_attention.{key,out,query,value}_projection.{bias,weight}
decoder.norm.{bias,weight} decoder.projection.{bias,weight}
enc_embedding.calendar_embedding.linear.weight enc_embedding.value_embedding.conv.weight
encoder.distil_layers.N.conv.{bias,weight}
encoder.distil_layers.N.norm.{bias,num_batches_tracked,running_mean,running_var,weight}
encoder.layers.N.attention.{key,out,query,value}_projection.{bias,weight}
encoder.layers.N.feed_forward.{linear1,linear2}.{bias,weight}
encoder.layers.N.{norm1,norm2}.{bias,weight}
encoder.norm.{bias,weight} series_embedding.table
"""


def test_state_dict_keys_are_the_saved_ones():
    patterns = set()
    for line in STATE_DICT_KEYS.split():
        parts = [p.split(",") for p in re.split(r"[{}]", line)[1::2]]
        template = re.sub(r"{[^}]*}", "{}", line)
        patterns |= {template.format(*c) for c in itertools.product(*parts)}
    config = _config(e_layers=2, d_layers=2, n_series=3)
    keys = {re.sub(r"\.\d+\.", ".N.", key) for key in Informer(config).state_dict()}
    assert keys == patterns


# factories that place a tensor: inside forward code each must name its device, so a
# network built under ``with torch.device(...)`` computes there (``torch.from_numpy``
# cannot, so it has no place in forward code)
_FACTORIES = {
    torch.arange, torch.as_tensor, torch.empty, torch.empty_strided, torch.eye, torch.from_numpy,
    torch.full, torch.linspace, torch.logspace, torch.ones, torch.rand, torch.randint, torch.randn,
    torch.randperm, torch.scalar_tensor, torch.tensor, torch.zeros,
}  # fmt: skip


class _FactoriesNameTheirDevice(TorchFunctionMode):
    """Raises on a tensor factory called without an explicit ``device=``."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _FACTORIES and "device" not in kwargs:
            raise AssertionError(f"torch.{func.__name__} called without device=")
        return func(*args, **kwargs)


@pytest.mark.parametrize("head", ["point", "quantile", "normal"])
@pytest.mark.parametrize("distil", [True, False])
@pytest.mark.parametrize("attn", ["prob", "full"])
def test_forward_and_backward_create_every_tensor_on_a_named_device(attn, distil, head):
    quantiles = LEVELS if head == "quantile" else ()
    config = _config(attn=attn, distil=distil, head=head, quantiles=quantiles, dropout=0.3, factor=1, enc_in=2,
                     revin=True, residual_sp=2, n_series=2, highway=True)  # fmt: skip
    network = Informer(config)
    inputs = _inputs(config)
    with _FactoriesNameTheirDevice():
        network.train()(*inputs).sum().backward()  # dropout masks, key samples, unseen series
        out, _ = network.eval()(*inputs, return_attention=True, series_id=torch.tensor([0, 1, -1], device="cpu"))
    assert torch.isfinite(out).all()
    assert all(p.grad is not None for p in network.parameters() if p.requires_grad)


def test_the_device_check_sees_a_factory_without_a_device():
    with pytest.raises(AssertionError, match="torch.arange called without device="):
        with _FactoriesNameTheirDevice():
            torch.arange(3)


# -- probabilistic heads ------------------------------------------------------------

LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)


@pytest.mark.parametrize(
    "head, quantiles, n_outputs", [("quantile", LEVELS, 5), ("normal", (), 2)]
)
def test_probabilistic_heads_emit_n_outputs_per_step_and_channel(head, quantiles, n_outputs):
    config = _config(head=head, quantiles=quantiles)
    assert config.n_outputs == n_outputs
    out = Informer(config)(*_inputs(config))
    assert out.shape == (B, config.pred_len, config.c_out, n_outputs)


def test_the_point_head_adds_no_weights():
    # so networks saved before the heads existed load unchanged
    names = set(Informer(_config()).state_dict())
    assert names == set(Informer(_config(head="normal")).state_dict())
    assert Informer(_config()).decoder.projection.out_features == 2


@pytest.mark.parametrize("seed", range(5))
def test_quantiles_never_cross_and_scales_are_positive_on_random_weights(seed):
    torch.manual_seed(seed)
    for head, quantiles in (("quantile", LEVELS), ("normal", ())):
        config = _config(head=head, quantiles=quantiles)
        network = Informer(config)
        with torch.no_grad():  # wild weights: outputs far from zero either way
            network.decoder.projection.weight.mul_(50.0)
        out = network(*_inputs(config, seed))
        if head == "quantile":
            assert (out.diff(dim=-1) >= 0).all()
        else:
            assert (out[..., 1] >= 1e-3).all()


@given(
    raw=hnp.arrays(
        np.float32, (2, 3, 1 * len(LEVELS)), elements=st.floats(-1e4, 1e4, width=32)
    )
)
@settings(max_examples=200, deadline=None)
def test_the_quantile_head_orders_any_raw_output(raw):
    head = QuantileHead(_config(c_out=1, head="quantile", quantiles=LEVELS))
    q = head(torch.from_numpy(raw))  # (2, 3, 1, Q)
    assert (q.diff(dim=-1) >= 0).all()
    # the median is the raw median output, untouched
    assert torch.equal(q[..., LEVELS.index(0.5)], torch.from_numpy(raw)[..., None, 2])


def test_the_normal_head_splits_mean_and_a_floored_softplus_scale():
    raw = torch.tensor([[[1.5, -100.0, -2.0, 0.0]]])  # (1, 1, c_out * 2), c_out = 2
    out = NormalHead(_config(head="normal"))(raw)  # (1, 1, 2, 2)
    torch.testing.assert_close(out[0, 0, :, 0], torch.tensor([1.5, -2.0]))
    torch.testing.assert_close(out[0, 0, :, 1], torch.tensor([1e-3, math.log(2.0) + 1e-3]))


@pytest.mark.parametrize("head", ["point", "quantile", "normal"])
def test_instance_norm_makes_the_forecast_follow_a_shift_and_scale_of_the_input(head):
    # with RevIN, a window shifted by b and scaled by a > 0 gets the forecast a * f + b
    # (the Normal's scale: a * s), quantiles stay ordered; the calendar is left out, and
    # full attention, since ProbSparse samples other keys at each call
    quantiles = (0.1, 0.5, 0.9) if head == "quantile" else ()
    config = InformerConfig(enc_in=2, dec_in=2, c_out=1, seq_len=16, label_len=8, pred_len=4,
                            d_model=16, n_heads=2, d_ff=32, dropout=0.0, head=head,
                            quantiles=quantiles, revin=True, attn="full")  # fmt: skip
    torch.manual_seed(0)
    model = Informer(config).eval()
    x_enc, x_dec = torch.randn(3, 16, 2), torch.randn(3, 12, 2)
    x_dec[:, 8:, :1] = 0.0
    no_marks_enc, no_marks_dec = torch.zeros(3, 16, 0, dtype=torch.long), torch.zeros(3, 12, 0, dtype=torch.long)
    a, b = torch.tensor([3.0, 0.5]), torch.tensor([100.0, -7.0])
    shifted_dec = x_dec * a + b
    shifted_dec[:, 8:, :1] = 0.0
    with torch.no_grad():
        out = model(x_enc, no_marks_enc, x_dec, no_marks_dec)
        moved = model(x_enc * a + b, no_marks_enc, shifted_dec, no_marks_dec)
    if head == "normal":
        expected = torch.stack([out[..., 0] * a[0] + b[0], out[..., 1] * a[0]], dim=-1)
    else:
        expected = out * a[0] + b[0]
    torch.testing.assert_close(moved, expected, rtol=1e-4, atol=1e-3)
    if head == "quantile":
        assert (moved.diff(dim=-1) >= 0).all()


def test_without_instance_norm_the_forecast_does_not_follow_a_shift():
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=4,
                            d_model=16, n_heads=2, d_ff=32, dropout=0.0)  # fmt: skip
    torch.manual_seed(0)
    model = Informer(config).eval()
    x_enc, x_dec = torch.randn(2, 16, 1), torch.zeros(2, 12, 1)
    no_marks_enc, no_marks_dec = torch.zeros(2, 16, 0, dtype=torch.long), torch.zeros(2, 12, 0, dtype=torch.long)
    with torch.no_grad():
        out = model(x_enc, no_marks_enc, x_dec, no_marks_dec)
        moved = model(x_enc + 100.0, no_marks_enc, x_dec, no_marks_dec)
    assert not torch.allclose(moved, out + 100.0, atol=1.0)


def _untrained_forecast(config, x_enc, model=None):
    """A network's forecast from ``x_enc``, zero decoder input, no marks; freshly initialised
    unless ``model`` is given."""
    if model is None:
        torch.manual_seed(0)
        model = Informer(config).eval()
    B, n_dec = x_enc.shape[0], config.label_len + config.pred_len
    x_dec = torch.zeros(B, n_dec, config.dec_in)
    no_marks = torch.zeros(B, config.seq_len, 0, dtype=torch.long), torch.zeros(B, n_dec, 0, dtype=torch.long)
    with torch.no_grad():
        return model(x_enc, no_marks[0], x_dec, no_marks[1])


@pytest.mark.parametrize("revin", [False, True])
@pytest.mark.parametrize("head", ["point", "quantile", "normal"])
def test_residual_sp_adds_the_seasonal_naive_forecast_to_the_output(head, revin):
    # the decoder's projection starts at zero, so the network's own output is 0 (the
    # quantile head's steps softplus(0) around a zero median) and what remains is the
    # baseline: the last sp input steps of the target channel repeated, on the input's scale
    quantiles = (0.1, 0.5, 0.9) if head == "quantile" else ()
    config = InformerConfig(enc_in=2, dec_in=2, c_out=1, seq_len=16, label_len=8, pred_len=10,
                            d_model=16, n_heads=2, d_ff=32, head=head, quantiles=quantiles,
                            revin=revin, residual_sp=4)  # fmt: skip
    x_enc = torch.randn(3, 16, 2) * 5 + 2
    out = _untrained_forecast(config, x_enc)
    expected = x_enc[:, [12, 13, 14, 15, 12, 13, 14, 15, 12, 13], :1]  # (3, 10, 1)
    if head == "point":
        torch.testing.assert_close(out, expected)
    elif head == "quantile":
        torch.testing.assert_close(out[..., 1], expected)
        assert (out.diff(dim=-1) > 0).all()
    else:  # the mean moves, the scale is the floored softplus(0), times RevIN's std
        torch.testing.assert_close(out[..., 0], expected)
        std = x_enc[..., :1].std(dim=1, unbiased=False, keepdim=True) if revin else torch.ones(3, 1, 1)
        scale = (math.log(2.0) + 1e-3) * std.expand(3, 10, 1)
        torch.testing.assert_close(out[..., 1], scale, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("revin", [False, True])
@pytest.mark.parametrize("head", ["point", "quantile"])
def test_highway_adds_a_linear_map_of_each_target_channels_input(head, revin):
    # an untrained network adds nothing (its projection and the highway start at zero);
    # with the highway's weights set, the output is that linear map of each target channel
    quantiles = (0.1, 0.5, 0.9) if head == "quantile" else ()
    config = InformerConfig(enc_in=3, dec_in=3, c_out=2, seq_len=16, label_len=8, pred_len=6, d_model=16,
                            n_heads=2, d_ff=32, head=head, quantiles=quantiles, revin=revin, highway=True)  # fmt: skip
    x_enc = torch.randn(4, 16, 3) * 3 + 1
    model = Informer(config).eval()
    mean = x_enc[..., :2].mean(dim=1, keepdim=True) if revin else torch.zeros(4, 1, 2)
    out = _untrained_forecast(config, x_enc, model)
    torch.testing.assert_close(out if head == "point" else out[..., 1], mean.expand(4, 6, 2))
    with torch.no_grad():
        model.highway.weight.normal_()
        model.highway.bias.normal_()
    out = _untrained_forecast(config, x_enc, model)
    x = x_enc[..., :2]
    if revin:
        std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + 1e-5)
        x = (x - mean) / std
    expected = (x.transpose(1, 2) @ model.highway.weight.T + model.highway.bias).transpose(1, 2)  # (4, 6, 2)
    if revin:
        expected = expected * std + mean
    torch.testing.assert_close(out if head == "point" else out[..., 1], expected, rtol=1e-4, atol=1e-4)


def test_the_original_network_has_no_highway():
    assert Informer(_config()).highway is None


@pytest.mark.parametrize("revin", [False, True])
def test_residual_periods_adds_the_mean_of_the_last_seasons(revin):
    config = InformerConfig(enc_in=1, dec_in=1, c_out=1, seq_len=16, label_len=8, pred_len=6, d_model=16,
                            n_heads=2, d_ff=32, revin=revin, residual_sp=4, residual_periods=3)  # fmt: skip
    x_enc = torch.randn(2, 16, 1) * 3 + 1
    out = _untrained_forecast(config, x_enc)
    profile = (x_enc[:, 4:8] + x_enc[:, 8:12] + x_enc[:, 12:16]) / 3  # the last three seasons of 4 steps
    torch.testing.assert_close(out, profile[:, [0, 1, 2, 3, 0, 1]])
