"""TRANSPOSE_CONV op-zoo cases: strides 1 and 2 (and unequal ones), SAME and VALID,
bias present, absent (input 3 is -1) or omitted (three inputs), per-channel and
per-tensor filters, non-square kernels, and a multiplier above one.

Inputs follow TFLite's order: output_shape (a constant int32 vector), the OHWI
filter, the NHWC input, then the optional bias.  The output's size is what
TensorFlow's conv2d_transpose gives: in * stride for SAME, (in - 1) * stride +
kernel for VALID.  The quantization follows the CONV_2D zoo (realistic spread)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from . import _random as R
from .conv_2d import (ACTIVATIONS, PADDINGS, activation_quant, add_bias, int8_weights, output_quant, requantized,
                      weight_scales)


def transpose_output_size(in_size: int, kernel: int, stride: int, padding: str) -> int:
    """TensorFlow's conv2d_transpose output size (deconv_output_length without output_padding)."""
    if padding == "SAME":
        return in_size * stride
    return (in_size - 1) * stride + kernel


def transpose_conv_model(input_shape, out_channels: int, kernel=(3, 3), stride=(1, 1), padding="SAME",
                         per_channel=True, bias="const", activation="NONE", weights=None, scales=None,
                         output_hw=None, seed: int = 0, requant=None) -> bytes:
    """One TRANSPOSE_CONV.  bias: "const", "absent" (input 3 is -1) or "omitted" (three inputs).
    `weights`/`scales` (input, filter, output) override the generated ones; `output_hw` the output size."""
    rng = np.random.default_rng(seed)
    n, h, w_in, in_c = input_shape
    b = ModelBuilder(f"transpose_conv {list(input_shape)} -> {out_channels} {kernel} s{stride} {padding}")
    in_scale, in_zp = activation_quant(rng)
    out_scale, out_zp = output_quant(rng)
    in_zp, out_zp, out_scale = requantized(in_zp, out_zp, out_scale, requant)
    filter_shape = (out_channels, kernel[0], kernel[1], in_c)
    w_data = int8_weights(rng, filter_shape) if weights is None else np.asarray(weights, np.int8).reshape(filter_shape)
    # Each output sums about in_c * (kernel / stride)^2 products.
    taps = max(1, (kernel[0] * kernel[1]) // (stride[0] * stride[1]))
    w_scales = weight_scales(rng, taps * in_c, in_scale, out_channels, per_channel)
    if scales is not None:
        in_scale, w_scales, out_scale = scales[0], np.atleast_1d(np.float32(scales[1])), scales[2]
    if output_hw is None:
        output_hw = (transpose_output_size(h, kernel[0], stride[0], padding),
                     transpose_output_size(w_in, kernel[1], stride[1], padding))
    out_shape = (n, output_hw[0], output_hw[1], out_channels)
    shape = b.const("output_shape", np.array(out_shape, np.int32))
    w = b.const("w", w_data, scale=w_scales, zero_point=0, quantized_dimension=0)
    x = b.input("x", input_shape, scale=in_scale, zero_point=in_zp)
    inputs = [shape, w, x]
    if bias == "const":
        inputs.append(add_bias(b, rng, in_scale, w_scales, out_channels))
    elif bias == "absent":
        inputs.append(-1)
    y = b.tensor("y", out_shape, scale=out_scale, zero_point=out_zp)
    b.op("TRANSPOSE_CONV", inputs, [y], "TransposeConvOptions", padding=PADDINGS[padding], stride_h=stride[0],
         stride_w=stride[1], fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def multiplier_above_one(seed: int = 0) -> bytes:
    """Effective multiplier 1.25 (a left shift of 1) with weights in {-1, 0, 1}."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-1, 2, size=(3, 2, 2, 1))
    return transpose_conv_model((1, 4, 4, 1), 3, kernel=(2, 2), stride=(2, 2), weights=weights,
                                scales=(0.5, 0.5, 0.25 / 1.25), bias="absent", seed=seed)


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: transpose_conv_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "k3_s2_same_per_channel_bias": _case((1, 5, 5, 4), 6, stride=(2, 2), seed=1),
    "k3_s1_same_per_tensor_no_bias": _case((1, 6, 6, 3), 4, per_channel=False, bias="omitted", seed=2),
    "k3_s2_valid_per_tensor_bias": _case((1, 4, 5, 3), 5, stride=(2, 2), padding="VALID", per_channel=False, seed=3),
    "k2x4_s1_valid_bias_absent": _case((1, 5, 4, 2), 3, kernel=(2, 4), padding="VALID", bias="absent", seed=4),
    "k4x3_s2x1_same_batch2": _case((2, 3, 4, 3), 4, kernel=(4, 3), stride=(2, 1), seed=5),
    "k5x2_s1x2_same_per_tensor": _case((1, 4, 3, 5), 2, kernel=(5, 2), stride=(1, 2), per_channel=False, seed=6),
    "k1_s3_same_relu": _case((1, 3, 3, 4), 4, kernel=(1, 1), stride=(3, 3), activation="RELU", seed=7),
    "multiplier_above_one": lambda: multiplier_above_one(8),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random TRANSPOSE_CONV: batch 1-2, inputs up to 8x8x8, 1-8 filters, kernels 1x1 to 5x5, strides
    1-3, SAME or VALID, per-channel or per-tensor, bias present, absent (-1) or omitted, any fused
    activation, any zero points and an output scale 1/64 to 64x the realistic one; now and then the
    multiplier-above-one model."""
    if R.chance(rng, 0.05):
        return multiplier_above_one(R.seed(rng))
    shape = (int(R.choice(rng, (1, 1, 1, 2))),) + R.dims(rng, 2, 8) + (int(rng.integers(1, 9)),)
    kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    requant = (R.zero_point(rng), R.zero_point(rng), R.log_uniform(rng, 1 / 64, 64))
    return transpose_conv_model(shape, int(rng.integers(1, 9)), kernel, stride, R.choice(rng, ("SAME", "VALID")),
                                per_channel=R.chance(rng, 0.6),
                                bias=R.choice(rng, ("const", "const", "absent", "omitted")),
                                activation=R.activation(rng), seed=R.seed(rng), requant=requant)
