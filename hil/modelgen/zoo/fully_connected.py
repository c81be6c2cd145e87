"""FULLY_CONNECTED op-zoo cases: per-tensor filters (as the MLPerf Tiny models
have) and per-channel ones (as current TensorFlow emits), bias or none, every
fused activation, 2-D and 4-D inputs (batches = elements / accumulation depth),
several batches and keep_num_dims.  Quantization as in the CONV_2D zoo."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from . import _random as R
from .conv_2d import (ACTIVATIONS, activation_quant, add_bias, bias_inputs16, int8_weights, output_quant, quant16,
                      requantized, weight_scales, weight_scales16)


def fully_connected_model(input_shape, units: int, accum_depth: int | None = None, activation="NONE",
                          per_channel=False, bias="const", keep_num_dims=False, weights_zero_point: int = 0,
                          seed: int = 0, requant=None) -> bytes:
    """One FULLY_CONNECTED: the input is read as [elements / accum_depth, accum_depth]
    (accum_depth defaults to the input's last dim).  bias: "const", "absent" (index -1) or
    "omitted" (two inputs).  The output is [batches, units], or the input's shape with the
    last dim replaced by `units` when keep_num_dims.  A nonzero `weights_zero_point` (per-tensor
    only) makes asymmetric weights, which TFLM's reference kernel takes and the compiler refuses."""
    rng = np.random.default_rng(seed)
    accum_depth = accum_depth or input_shape[-1]
    batches = int(np.prod(input_shape)) // accum_depth
    b = ModelBuilder(f"fully_connected {list(input_shape)} -> {units} {activation}")
    in_scale, in_zp = activation_quant(rng)
    out_scale, out_zp = output_quant(rng)
    in_zp, out_zp, out_scale = requantized(in_zp, out_zp, out_scale, requant)
    w_scales = weight_scales(rng, accum_depth, in_scale, units, per_channel)
    x = b.input("x", input_shape, scale=in_scale, zero_point=in_zp)
    w = b.const("w", int8_weights(rng, (units, accum_depth)), scale=w_scales, zero_point=weights_zero_point,
                quantized_dimension=0)
    inputs = [x, w]
    if bias == "const":
        inputs.append(add_bias(b, rng, in_scale, w_scales, units))
    elif bias == "absent":
        inputs.append(-1)
    out_shape = tuple(input_shape[:-1]) + (units,) if keep_num_dims else (batches, units)
    y = b.tensor("y", out_shape, scale=out_scale, zero_point=out_zp)
    b.op("FULLY_CONNECTED", inputs, [y], "FullyConnectedOptions",
         fused_activation_function=ACTIVATIONS[activation], weights_format=0, keep_num_dims=keep_num_dims)
    b.mark_output(y)
    return b.build()


def fully_connected16_model(input_shape, units: int, accum_depth: int | None = None, activation="NONE",
                            per_channel=False, bias="int64", scales=None, seed: int = 0) -> bytes:
    """One 16x8 FULLY_CONNECTED: int16 input and output (zero point 0), int8 weights; bias "int64",
    "int32", "absent" or "omitted".  `scales` (input, filter, output) override the generated ones."""
    rng = np.random.default_rng(seed)
    accum_depth = accum_depth or input_shape[-1]
    batches = int(np.prod(input_shape)) // accum_depth
    b = ModelBuilder(f"fully_connected 16x8 {list(input_shape)} -> {units} {activation}")
    in_scale, out_scale = quant16(rng)
    w_scales = weight_scales16(rng, accum_depth, in_scale, units, per_channel)
    if scales is not None:
        in_scale, w_scales, out_scale = scales[0], np.atleast_1d(np.float32(scales[1])), scales[2]
    x = b.input("x", input_shape, scale=in_scale, zero_point=0, dtype=np.int16)
    w = b.const("w", int8_weights(rng, (units, accum_depth)), scale=w_scales, zero_point=0, quantized_dimension=0)
    inputs = [x, w] + bias_inputs16(b, rng, bias, in_scale, w_scales, units)
    y = b.tensor("y", (batches, units), dtype=np.int16, scale=out_scale, zero_point=0)
    b.op("FULLY_CONNECTED", inputs, [y], "FullyConnectedOptions",
         fused_activation_function=ACTIVATIONS[activation], weights_format=0, keep_num_dims=False)
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: fully_connected_model(*args, **kwargs)


def _case16(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: fully_connected16_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "per_tensor_relu": _case((1, 64), 16, activation="RELU", seed=1),
    "per_tensor_none": _case((1, 128), 10, seed=2),
    "per_tensor_bias_absent": _case((1, 32), 12, bias="absent", seed=3),
    "per_tensor_bias_omitted": _case((1, 32), 12, bias="omitted", activation="RELU6", seed=4),
    "per_channel": _case((1, 64), 16, per_channel=True, seed=5),
    "per_channel_relu_bias_absent": _case((1, 48), 8, per_channel=True, activation="RELU", bias="absent", seed=6),
    "relu6": _case((1, 40), 20, activation="RELU6", seed=7),
    "relu_n1_to_1": _case((1, 40), 20, activation="RELU_N1_TO_1", per_channel=True, seed=8),
    "input_4d_flattened": _case((1, 2, 2, 8), 10, accum_depth=32, seed=9),
    "input_4d_batches": _case((2, 2, 2, 8), 6, accum_depth=16, per_channel=True, seed=10),
    "batches_2d": _case((3, 32), 8, activation="RELU", seed=11),
    "keep_num_dims": _case((2, 3, 16), 6, keep_num_dims=True, seed=12),
    "accum_depth_1": _case((1, 1), 16, activation="RELU", seed=13),
    "deep_accumulation": _case((1, 2048), 8, seed=14),
    # 16x8: int16 activations, int8 weights; TFLM's int64 accumulator unless the bias is int32.
    "s16_per_channel_bias_absent": _case16((1, 64), 10, per_channel=True, bias="absent", seed=31),
    "s16_per_tensor_int64_bias_relu": _case16((1, 48), 12, activation="RELU", seed=32),
    "s16_int32_bias_batches": _case16((3, 32), 8, bias="int32", per_channel=True, seed=33),
    "s16_bias_omitted_4d_relu6": _case16((1, 2, 2, 8), 6, accum_depth=32, bias="omitted", activation="RELU6",
                                         seed=34),
    "s16_deep_multiplier_tiny": _case16((1, 1024), 4, scales=(1 / 32768, 1e-3, 0.5), seed=35),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random FULLY_CONNECTED: inputs of rank 1-4 read as [batches, depth] (depth the last dim or a
    product of trailing dims; 512-4096 deep one case in ten), 1-32 units, per-tensor or per-channel, bias
    present, absent or omitted,
    keep_num_dims, any fused activation, any zero points, an output scale 1/64 to 64x the realistic
    one; one case in thirty has asymmetric weights (refused by the compiler)."""
    rank = int(rng.integers(1, 5))
    shape = R.dims(rng, rank, 8 if rank > 2 else 40, max_elements=1024)
    if R.chance(rng, 0.1):   # a deep accumulation
        rank, shape = 2, (int(rng.integers(1, 3)), int(rng.integers(512, 4097)))
    keep = R.chance(rng, 0.25) and rank >= 2
    if keep or R.chance(rng, 0.6):
        depth = shape[-1]
    else:
        k = int(rng.integers(1, rank + 1))
        depth = int(np.prod(shape[rank - k:]))
    requant = (R.zero_point(rng), R.zero_point(rng), R.log_uniform(rng, 1 / 64, 64))
    return fully_connected_model(shape, int(rng.integers(1, 33)), depth, R.activation(rng),
                                 per_channel=R.chance(rng, 0.5), bias=R.choice(rng, ("const", "const", "absent",
                                                                                       "omitted")),
                                 keep_num_dims=keep, weights_zero_point=3 if R.chance(rng, 1 / 30) else 0,
                                 seed=R.seed(rng), requant=requant)
