"""DEPTHWISE_CONV_2D op-zoo cases: per-channel and per-tensor filters, depth
multipliers 1, 2 and 8 (including one input channel to 8), bias or none, every
fused activation, SAME (including asymmetric padding) and VALID, strides
1/2/3 and dilation.  Quantization as in the CONV_2D zoo.

TFLM's depthwise Prepare crashes on a bias input given as index -1, so no case
here has one; tests check that form against the same model with a zero bias."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from . import _random as R
from .conv_2d import (ACTIVATIONS, PADDINGS, activation_quant, add_bias, bias_inputs16, int8_weights, output_quant,
                      output_size, quant16, requantized, weight_scales, weight_scales16)


def depthwise_model(input_shape, depth_multiplier: int = 1, kernel=(3, 3), stride=(1, 1), dilation=(1, 1),
                    padding="SAME", activation="NONE", per_channel=True, bias="const", seed: int = 0,
                    requant=None) -> bytes:
    """One DEPTHWISE_CONV_2D.  bias: "const", "zeros", "absent" (input index -1) or "omitted"
    (two inputs); "zeros" and "absent" draw nothing from the seed, so they give the same model
    otherwise."""
    rng = np.random.default_rng(seed)
    n, h, w_in, in_c = input_shape
    out_c = in_c * depth_multiplier
    b = ModelBuilder(f"depthwise_conv_2d {list(input_shape)} x{depth_multiplier} {kernel} {padding} {activation}")
    in_scale, in_zp = activation_quant(rng)
    out_scale, out_zp = output_quant(rng)
    in_zp, out_zp, out_scale = requantized(in_zp, out_zp, out_scale, requant)
    w_scales = weight_scales(rng, kernel[0] * kernel[1], in_scale, out_c, per_channel)
    x = b.input("x", input_shape, scale=in_scale, zero_point=in_zp)
    w = b.const("w", int8_weights(rng, (1, kernel[0], kernel[1], out_c)), scale=w_scales, zero_point=0,
                quantized_dimension=3)
    inputs = [x, w]
    if bias == "const":
        inputs.append(add_bias(b, rng, in_scale, w_scales, out_c))
    elif bias == "zeros":
        bias_scales = (np.float32(in_scale) * w_scales).astype(np.float32)
        inputs.append(b.const("bias", np.zeros(out_c, np.int32), scale=bias_scales, zero_point=0))
    elif bias == "absent":
        inputs.append(-1)
    out_h = output_size(h, kernel[0], stride[0], dilation[0], padding)
    out_w = output_size(w_in, kernel[1], stride[1], dilation[1], padding)
    y = b.tensor("y", (n, out_h, out_w, out_c), scale=out_scale, zero_point=out_zp)
    b.op("DEPTHWISE_CONV_2D", inputs, [y], "DepthwiseConv2DOptions", padding=PADDINGS[padding],
         stride_h=stride[0], stride_w=stride[1], dilation_h_factor=dilation[0], dilation_w_factor=dilation[1],
         depth_multiplier=depth_multiplier, fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def depthwise16_model(input_shape, depth_multiplier: int = 1, kernel=(3, 3), stride=(1, 1), dilation=(1, 1),
                      padding="SAME", activation="NONE", per_channel=True, bias="int64", scales=None,
                      seed: int = 0) -> bytes:
    """One 16x8 DEPTHWISE_CONV_2D: int16 input and output (zero point 0), int8 weights, an int64
    bias or none ("omitted"); `scales` (input, filter, output) override the generated ones."""
    rng = np.random.default_rng(seed)
    n, h, w_in, in_c = input_shape
    out_c = in_c * depth_multiplier
    b = ModelBuilder(f"depthwise_conv_2d 16x8 {list(input_shape)} x{depth_multiplier} {kernel} {padding}")
    in_scale, out_scale = quant16(rng)
    w_scales = weight_scales16(rng, kernel[0] * kernel[1], in_scale, out_c, per_channel)
    if scales is not None:
        in_scale, w_scales, out_scale = scales[0], np.atleast_1d(np.float32(scales[1])), scales[2]
    x = b.input("x", input_shape, scale=in_scale, zero_point=0, dtype=np.int16)
    w = b.const("w", int8_weights(rng, (1, kernel[0], kernel[1], out_c)), scale=w_scales, zero_point=0,
                quantized_dimension=3)
    inputs = [x, w] + bias_inputs16(b, rng, bias, in_scale, w_scales, out_c)
    out_h = output_size(h, kernel[0], stride[0], dilation[0], padding)
    out_w = output_size(w_in, kernel[1], stride[1], dilation[1], padding)
    y = b.tensor("y", (n, out_h, out_w, out_c), dtype=np.int16, scale=out_scale, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", inputs, [y], "DepthwiseConv2DOptions", padding=PADDINGS[padding],
         stride_h=stride[0], stride_w=stride[1], dilation_h_factor=dilation[0], dilation_w_factor=dilation[1],
         depth_multiplier=depth_multiplier, fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: depthwise_model(*args, **kwargs)


def _case16(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: depthwise16_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "per_channel_same_relu": _case((1, 8, 8, 8), activation="RELU", seed=1),
    "per_tensor_valid": _case((1, 9, 7, 6), padding="VALID", per_channel=False, seed=2),
    "multiplier2": _case((1, 6, 6, 4), depth_multiplier=2, seed=3),
    "multiplier8_one_channel": _case((1, 8, 8, 1), depth_multiplier=8, activation="RELU", seed=4),
    "multiplier8_per_tensor": _case((1, 5, 5, 1), depth_multiplier=8, per_channel=False, seed=5),
    "same_stride2_asymmetric": _case((1, 8, 8, 8), stride=(2, 2), activation="RELU6", seed=6),
    "same_stride3": _case((1, 11, 10, 4), stride=(3, 3), seed=7),
    "valid_stride_h2_w1": _case((1, 9, 8, 4), kernel=(5, 3), stride=(2, 1), padding="VALID", seed=8),
    "same_dilation2": _case((1, 10, 10, 4), dilation=(2, 2), seed=9),
    "valid_dilation_3x2": _case((1, 12, 10, 3), dilation=(3, 2), padding="VALID", depth_multiplier=2, seed=10),
    "relu_n1_to_1": _case((1, 6, 6, 8), activation="RELU_N1_TO_1", seed=11),
    "bias_omitted": _case((1, 6, 6, 4), bias="omitted", seed=12),
    "kernel4_asymmetric": _case((1, 7, 7, 4), kernel=(4, 4), seed=13),
    "batch2": _case((2, 5, 5, 6), stride=(2, 2), seed=14),
    # 16x8: int16 activations, int8 weights, int64 bias (TFLM's depthwise reads no other).
    "s16_per_channel_relu": _case16((1, 8, 8, 6), activation="RELU", seed=31),
    "s16_multiplier2_stride2": _case16((1, 7, 7, 3), depth_multiplier=2, stride=(2, 2), seed=32),
    "s16_per_tensor_valid_relu6": _case16((1, 9, 8, 4), kernel=(5, 3), padding="VALID", per_channel=False,
                                          activation="RELU6", seed=33),
    "s16_bias_omitted_dilation2": _case16((2, 8, 8, 2), dilation=(2, 2), bias="omitted", seed=34),
    "s16_multiplier_tiny": _case16((1, 5, 5, 4), scales=(1 / 32768, 1e-3, 0.02), seed=35),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random DEPTHWISE_CONV_2D: batch 1-2, 1-16 input channels, depth multiplier 1-4 (8 now and then),
    kernels 1x1 to 5x5, strides 1-3, dilations 1-3, SAME or VALID, per-channel or per-tensor, a bias or
    none (never the -1 bias TFLM's Prepare crashes on), any fused activation, any zero points and an
    output scale 1/64 to 64x the realistic one.  One case in three has the shape the Helium variant
    takes (3x3, depth multiplier 1, no dilation: kernels/src/ops/depthwise_conv_2d_mve.c) with 1-48
    channels, so its sixteen-lane groups and the four-lane ones left over are drawn often."""
    if R.chance(rng, 1 / 3):
        return _helium_shaped_case(rng)
    kernel, stride, dilation, padding, hw = R.conv_window(rng)
    c = int(rng.integers(1, 17))
    multiplier = 8 if R.chance(rng, 0.05) else int(rng.integers(1, 5))
    shape = (int(R.choice(rng, (1, 1, 1, 2))), hw[0], hw[1], c)
    requant = (R.zero_point(rng), R.zero_point(rng), R.log_uniform(rng, 1 / 64, 64))
    return depthwise_model(shape, multiplier, kernel, stride, dilation, padding, R.activation(rng),
                           per_channel=R.chance(rng, 0.6), bias=R.choice(rng, ("const", "const", "zeros", "omitted")),
                           seed=R.seed(rng), requant=requant)


def _helium_shaped_case(rng: np.random.Generator) -> bytes:
    """3x3, depth multiplier 1, no dilation, strides 1-3, SAME or VALID, images 1-12 (3-14 for VALID)."""
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = R.choice(rng, ("SAME", "VALID"))
    hw = [int(rng.integers(1 if padding == "SAME" else 3, 13 if padding == "SAME" else 15)) for _ in range(2)]
    c = int(R.choice(rng, (int(rng.integers(1, 17)), int(rng.integers(16, 49)))))
    shape = (int(R.choice(rng, (1, 1, 1, 2))), hw[0], hw[1], c)
    requant = (R.zero_point(rng), R.zero_point(rng), R.log_uniform(rng, 1 / 64, 64))
    return depthwise_model(shape, 1, (3, 3), stride, (1, 1), padding, R.activation(rng),
                           per_channel=R.chance(rng, 0.6), bias=R.choice(rng, ("const", "const", "zeros", "omitted")),
                           seed=R.seed(rng), requant=requant)
