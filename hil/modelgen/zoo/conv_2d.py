"""CONV_2D op-zoo cases: per-channel and per-tensor int8 filters, bias or none,
every fused activation, SAME (including TFLM's asymmetric padding) and VALID,
strides 1/2/3, dilation, grouped filters and a multiplier above one; and 16x8
cases (int16 activations, int8 weights) with int64, int32 and no bias, whose
quantization spreads full-range int16 inputs the same way.

The quantization is realistic: weight scales are chosen so that the real-valued
accumulator of a random int8 input has a standard deviation of about
TARGET_SIGMA, and the output scale spans about +-3 sigma, so outputs spread
over the int8 range and the fused activations clamp some of them.  The helpers
here are shared by the DEPTHWISE_CONV_2D and FULLY_CONNECTED zoo modules."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
PADDINGS = {"SAME": 0, "VALID": 1}

TARGET_SIGMA = 4.0            # real-valued standard deviation of an accumulator
INT8_UNIFORM_STD = 73.9       # std of integers uniform over [-128, 127] (and about that of [-127, 127])


def output_size(in_size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """TFLite's ComputeOutSize."""
    effective = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return (in_size + stride - 1) // stride
    return (in_size - effective + stride) // stride


def activation_quant(rng) -> tuple[float, int]:
    """(scale, zero point) of an input or output: about 0.05 per step, zero point near the middle."""
    return float(rng.uniform(0.03, 0.08)), int(rng.integers(-20, 21))


def output_quant(rng) -> tuple[float, int]:
    """An output spanning about +-3 TARGET_SIGMA."""
    return float(6 * TARGET_SIGMA / 255 * rng.uniform(0.8, 1.25)), int(rng.integers(-20, 21))


def requantized(in_zp: int, out_zp: int, out_scale: float, requant) -> tuple[int, int, float]:
    """`requant` = (input zero point, output zero point, output scale factor) overriding the drawn ones
    (the draws are made either way, so seeded models stay the same)."""
    if requant is None:
        return in_zp, out_zp, out_scale
    return int(requant[0]), int(requant[1]), float(out_scale * requant[2])


def weight_scales(rng, accum_depth: int, input_scale: float, channels: int, per_channel: bool) -> np.ndarray:
    """Filter scales that give accumulators of about TARGET_SIGMA for uniform int8 inputs and weights;
    per-channel scales spread over a factor of 4 so the channels' multipliers and shifts differ."""
    base = TARGET_SIGMA / (np.sqrt(accum_depth) * INT8_UNIFORM_STD ** 2 * input_scale)
    if per_channel:
        return (base * rng.uniform(0.5, 2.0, channels)).astype(np.float32)
    return np.array([base], np.float32)


def int8_weights(rng, shape) -> np.ndarray:
    """Symmetric int8 weights, as TFLite's quantizer produces: [-127, 127]."""
    return rng.integers(-127, 128, size=shape, dtype=np.int8)


def add_bias(b: ModelBuilder, rng, input_scale: float, w_scales: np.ndarray, channels: int) -> int:
    """An int32 bias with scale input_scale * filter_scale (per channel when the filter is)."""
    bias_scales = (np.float32(input_scale) * w_scales).astype(np.float32)
    real = rng.normal(0.0, TARGET_SIGMA / 2, channels)
    data = np.round(real / np.broadcast_to(bias_scales, (channels,))).astype(np.int32)
    return b.const("bias", data, scale=bias_scales, zero_point=0, quantized_dimension=0)


def conv_model(input_shape, out_channels: int, kernel=(3, 3), stride=(1, 1), dilation=(1, 1), padding="SAME",
               activation="NONE", per_channel=True, bias="const", groups: int = 1, weights=None,
               scales=None, seed: int = 0, requant=None) -> bytes:
    """One CONV_2D.  bias: "const", "absent" (input index -1) or "omitted" (only two inputs).
    `weights`/`scales` (input, filter, output) override the generated ones."""
    rng = np.random.default_rng(seed)
    n, h, w_in, in_c = input_shape
    filter_c = in_c // groups
    b = ModelBuilder(f"conv_2d {list(input_shape)} -> {out_channels} {kernel} {padding} {activation}")
    in_scale, in_zp = activation_quant(rng)
    out_scale, out_zp = output_quant(rng)
    in_zp, out_zp, out_scale = requantized(in_zp, out_zp, out_scale, requant)
    filter_shape = (out_channels, kernel[0], kernel[1], filter_c)
    w_data = int8_weights(rng, filter_shape) if weights is None else np.asarray(weights, np.int8).reshape(filter_shape)
    w_scales = weight_scales(rng, kernel[0] * kernel[1] * filter_c, in_scale, out_channels, per_channel)
    if scales is not None:
        in_scale, w_scales, out_scale = scales[0], np.atleast_1d(np.float32(scales[1])), scales[2]
    x = b.input("x", input_shape, scale=in_scale, zero_point=in_zp)
    w = b.const("w", w_data, scale=w_scales, zero_point=0, quantized_dimension=0)
    inputs = [x, w]
    if bias == "const":
        inputs.append(add_bias(b, rng, in_scale, w_scales, out_channels))
    elif bias == "absent":
        inputs.append(-1)
    out_h = output_size(h, kernel[0], stride[0], dilation[0], padding)
    out_w = output_size(w_in, kernel[1], stride[1], dilation[1], padding)
    y = b.tensor("y", (n, out_h, out_w, out_channels), scale=out_scale, zero_point=out_zp)
    b.op("CONV_2D", inputs, [y], "Conv2DOptions", padding=PADDINGS[padding], stride_h=stride[0],
         stride_w=stride[1], dilation_h_factor=dilation[0], dilation_w_factor=dilation[1],
         fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def multiplier_above_one(seed: int = 0) -> bytes:
    """Effective multiplier 1.25 (a left shift of 1): weights in {-1, 0, 1} on one input
    channel keep most outputs unsaturated."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-1, 2, size=(4, 1, 1, 1))
    return conv_model((1, 6, 6, 1), 4, kernel=(1, 1), weights=weights, scales=(0.5, 0.5, 0.25 / 1.25),
                      bias="absent", seed=seed)



INT16_UNIFORM_STD = 18918.0   # std of integers uniform over [-32768, 32767]


def weight_scales16(rng, accum_depth: int, input_scale: float, channels: int, per_channel: bool) -> np.ndarray:
    """weight_scales for int16 inputs uniform over their whole range."""
    base = TARGET_SIGMA / (np.sqrt(accum_depth) * INT16_UNIFORM_STD * INT8_UNIFORM_STD * input_scale)
    if per_channel:
        return (base * rng.uniform(0.5, 2.0, channels)).astype(np.float32)
    return np.array([base], np.float32)


def quant16(rng) -> tuple[float, float]:
    """(input scale, output scale) of a 16x8 op: the input spans about +-1, the output +-3 TARGET_SIGMA."""
    return float(rng.uniform(0.5, 2.0) / 32768), float(6 * TARGET_SIGMA / 65535 * rng.uniform(0.8, 1.25))


def add_bias16(b: ModelBuilder, rng, input_scale: float, w_scales: np.ndarray, channels: int,
               dtype=np.int64) -> int:
    """A 16x8 bias (int64, as the converter makes, or int32) with scale input_scale * filter_scale."""
    bias_scales = (np.float32(input_scale) * w_scales).astype(np.float32)
    real = rng.normal(0.0, TARGET_SIGMA / 2, channels)
    limit = np.iinfo(dtype).max
    data = np.clip(np.round(real / np.broadcast_to(bias_scales, (channels,))), -limit, limit).astype(dtype)
    return b.const("bias", data, scale=bias_scales, zero_point=0, quantized_dimension=0)


def bias_inputs16(b: ModelBuilder, rng, bias: str, in_scale: float, w_scales: np.ndarray, channels: int) -> list[int]:
    """The bias input of a 16x8 op: "int64", "int32", "absent" (index -1) or "omitted" (no third input)."""
    if bias in ("int64", "int32"):
        return [add_bias16(b, rng, in_scale, w_scales, channels, np.int64 if bias == "int64" else np.int32)]
    return [-1] if bias == "absent" else []


def conv16_model(input_shape, out_channels: int, kernel=(3, 3), stride=(1, 1), dilation=(1, 1), padding="SAME",
                 activation="NONE", per_channel=True, bias="int64", groups: int = 1, weights=None, scales=None,
                 seed: int = 0) -> bytes:
    """One 16x8 CONV_2D: int16 input and output (zero point 0), int8 weights; `bias` as bias_inputs16.
    `weights`/`scales` (input, filter, output) override the generated ones."""
    rng = np.random.default_rng(seed)
    n, h, w_in, in_c = input_shape
    filter_c = in_c // groups
    b = ModelBuilder(f"conv_2d 16x8 {list(input_shape)} -> {out_channels} {kernel} {padding} {activation}")
    in_scale, out_scale = quant16(rng)
    filter_shape = (out_channels, kernel[0], kernel[1], filter_c)
    w_data = int8_weights(rng, filter_shape) if weights is None else np.asarray(weights, np.int8).reshape(filter_shape)
    w_scales = weight_scales16(rng, kernel[0] * kernel[1] * filter_c, in_scale, out_channels, per_channel)
    if scales is not None:
        in_scale, w_scales, out_scale = scales[0], np.atleast_1d(np.float32(scales[1])), scales[2]
    x = b.input("x", input_shape, scale=in_scale, zero_point=0, dtype=np.int16)
    w = b.const("w", w_data, scale=w_scales, zero_point=0, quantized_dimension=0)
    inputs = [x, w] + bias_inputs16(b, rng, bias, in_scale, w_scales, out_channels)
    out_h = output_size(h, kernel[0], stride[0], dilation[0], padding)
    out_w = output_size(w_in, kernel[1], stride[1], dilation[1], padding)
    y = b.tensor("y", (n, out_h, out_w, out_channels), dtype=np.int16, scale=out_scale, zero_point=0)
    b.op("CONV_2D", inputs, [y], "Conv2DOptions", padding=PADDINGS[padding], stride_h=stride[0],
         stride_w=stride[1], dilation_h_factor=dilation[0], dilation_w_factor=dilation[1],
         fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: conv_model(*args, **kwargs)


def _case16(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: conv16_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "per_channel_same_relu": _case((1, 8, 8, 3), 8, activation="RELU", seed=1),
    "per_tensor_valid": _case((1, 9, 7, 4), 6, padding="VALID", per_channel=False, seed=2),
    "per_tensor_same_relu6": _case((1, 8, 8, 4), 8, activation="RELU6", per_channel=False, seed=3),
    "bias_absent_relu_n1_to_1": _case((1, 7, 7, 3), 5, activation="RELU_N1_TO_1", bias="absent", seed=4),
    "bias_omitted": _case((1, 6, 6, 4), 4, bias="omitted", seed=5),
    "same_stride2_asymmetric": _case((1, 8, 8, 3), 8, stride=(2, 2), activation="RELU", seed=6),
    "same_kernel4_asymmetric": _case((1, 7, 9, 2), 4, kernel=(4, 4), seed=7),
    "same_stride3": _case((1, 11, 13, 3), 6, stride=(3, 3), seed=8),
    "valid_stride_h1_w2": _case((1, 9, 12, 4), 6, kernel=(3, 5), stride=(1, 2), padding="VALID", seed=9),
    "same_dilation2": _case((1, 10, 10, 3), 4, dilation=(2, 2), seed=10),
    "valid_dilation_2x3": _case((1, 12, 13, 2), 4, dilation=(2, 3), padding="VALID", seed=11),
    "pointwise_1x1": _case((1, 6, 6, 16), 32, kernel=(1, 1), activation="RELU", seed=12),
    "kws_first_layer": _case((1, 25, 10, 1), 16, kernel=(10, 4), stride=(2, 2), activation="RELU", seed=13),
    "deep_accumulation": _case((1, 4, 4, 128), 8, seed=14),
    "batch2": _case((2, 5, 5, 3), 4, stride=(2, 2), seed=15),
    "grouped_2": _case((1, 6, 6, 8), 6, groups=2, seed=16),
    "multiplier_above_one": lambda: multiplier_above_one(seed=17),
    # 16x8: int16 activations, int8 weights; TFLM's int64 accumulator unless the bias is int32.
    "s16_int64_bias_relu": _case16((1, 8, 8, 3), 8, activation="RELU", seed=31),
    "s16_int32_bias_stride2": _case16((1, 9, 9, 4), 6, stride=(2, 2), bias="int32", seed=32),
    "s16_per_tensor_valid_relu6": _case16((1, 7, 8, 3), 5, padding="VALID", per_channel=False,
                                          activation="RELU6", seed=33),
    "s16_bias_absent_dilation2": _case16((1, 9, 9, 2), 4, dilation=(2, 2), bias="absent",
                                         activation="RELU_N1_TO_1", seed=34),
    "s16_bias_omitted_grouped": _case16((2, 5, 5, 4), 4, groups=2, bias="omitted", seed=35),
    # Multiplier 1.5 (shift 1; weights in {-1, 0, 1} leave most outputs unsaturated) and a tiny
    # one (shift -21): both requantizations' ends.
    "s16_multiplier_above_one": _case16((1, 4, 4, 1), 3, kernel=(1, 1), weights=[1, -1, 0],
                                        scales=(1 / 4096, 1 / 512, 1 / (4096 * 512 * 1.5)), bias="absent", seed=36),
    "s16_tiny_multiplier": _case16((1, 5, 5, 3), 4, scales=(1 / 32768, 1e-3, 0.25), bias="int32", seed=37),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random CONV_2D: batch 1-2, 1-16 input channels (up to 256 now and then), grouped filters now and
    then, 1-16 filters (9-40 now and then), kernels 1x1 to 5x5, strides 1-3, dilations 1-3, SAME or VALID, per-channel or
    per-tensor, bias present, absent (-1) or omitted, any fused activation, any zero points and an output
    scale 1/64 to 64x the realistic one; now and then the multiplier-above-one model."""
    if R.chance(rng, 0.05):
        return multiplier_above_one(seed=R.seed(rng))
    kernel, stride, dilation, padding, hw = R.conv_window(rng)
    groups = int(R.choice(rng, (1, 1, 1, 1, 2, 3, 4)))
    in_c = groups * int(rng.integers(1, 9 if groups == 1 else 5))
    if R.chance(rng, 0.1):   # a deep accumulation
        in_c = groups * int(rng.integers(16, 65))
    out_c = groups * int(rng.integers(1, 9 if groups == 1 else 5))
    if groups == 1 and R.chance(rng, 0.15):   # many filters: the variants' blocks of channels and their tails
        out_c = int(rng.integers(9, 41))
    shape = (int(R.choice(rng, (1, 1, 1, 2))), hw[0], hw[1], in_c)
    requant = (R.zero_point(rng), R.zero_point(rng), R.log_uniform(rng, 1 / 64, 64))
    return conv_model(shape, out_c, kernel, stride, dilation, padding, R.activation(rng),
                      per_channel=R.chance(rng, 0.6), bias=R.choice(rng, ("const", "const", "absent", "omitted")),
                      groups=groups, seed=R.seed(rng), requant=requant)
