"""QUANTIZE / DEQUANTIZE op-zoo cases: integer requantization between every pair
TFLM supports, and float32 model I/O (QUANTIZE at the input, DEQUANTIZE at the
output) around an int8 op."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from ..builder import ModelBuilder


def requantize_model(shape=(1, 6, 6, 8), in_dtype=np.int8, in_scale=0.05, in_zp=-3,
                     out_dtype=np.int8, out_scale=0.03, out_zp=7) -> bytes:
    b = ModelBuilder(f"quantize {np.dtype(in_dtype).name}->{np.dtype(out_dtype).name}")
    x = b.input("x", shape, scale=in_scale, zero_point=in_zp, dtype=in_dtype)
    y = b.tensor("y", shape, scale=out_scale, zero_point=out_zp, dtype=out_dtype)
    b.op("QUANTIZE", [x], [y])
    b.mark_output(y)
    return b.build()


def float_io_model(shape=(1, 5, 5, 4), in_scale=0.02, in_zp=-10, mid_scale=0.015, mid_zp=-128,
                   int_dtype=np.int8, dequantize=True) -> bytes:
    """float32 -> QUANTIZE -> RELU (int8) or an int16 -> int16 QUANTIZE -> DEQUANTIZE -> float32."""
    b = ModelBuilder("float io")
    x = b.tensor("x", shape, dtype=np.float32)
    b.inputs.append(x)
    q = b.tensor("q", shape, scale=in_scale, zero_point=in_zp, dtype=int_dtype)
    b.op("QUANTIZE", [x], [q])
    last = q
    if np.dtype(int_dtype) == np.int8:
        r = b.tensor("r", shape, scale=mid_scale, zero_point=mid_zp)
        b.op("RELU", [q], [r])
        last = r
    else:
        r = b.tensor("r", shape, scale=in_scale * 1.5, zero_point=0, dtype=int_dtype)
        b.op("QUANTIZE", [q], [r])
        last = r
    if dequantize:
        y = b.tensor("y", shape, dtype=np.float32)
        b.op("DEQUANTIZE", [last], [y])
        last = y
    b.mark_output(last)
    return b.build()


CASES: dict[str, Callable[[], bytes]] = {
    "int8_to_int8_down": lambda: requantize_model(),
    "int8_to_int8_up": lambda: requantize_model(in_scale=0.01, in_zp=20, out_scale=0.25, out_zp=-100),
    "int8_to_uint8": lambda: requantize_model(in_zp=-1, out_dtype=np.uint8, out_scale=0.05, out_zp=127),
    "uint8_to_int8": lambda: requantize_model(in_dtype=np.uint8, in_scale=0.007841, in_zp=127, out_scale=0.007841,
                                              out_zp=-1),
    "int8_to_int16": lambda: requantize_model(out_dtype=np.int16, out_scale=0.0005, out_zp=0),
    "int16_to_int8": lambda: requantize_model(in_dtype=np.int16, in_scale=0.0004, in_zp=0, out_scale=0.1, out_zp=3),
    "int16_to_int16": lambda: requantize_model(in_dtype=np.int16, in_scale=0.0004, in_zp=0, out_scale=0.0003,
                                               out_zp=0),
    "float_io_relu": lambda: float_io_model(),
    "float_io_int16": lambda: float_io_model(int_dtype=np.int16, in_scale=0.0001, in_zp=0),
    "float_in_int8_out": lambda: float_io_model(shape=(2, 33), dequantize=False),
}


_INT_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32}


def random_case(rng: np.random.Generator) -> bytes:
    """A random QUANTIZE: every integer pair TFLM takes (int8 to int8/uint8/int16/int32, uint8 to int8,
    int16 to int8/int16/int32) with scale ratios 1e-3 to 1e3 and zero points over each type's range
    (int16 mostly 0), rank 1-5; a fifth of the time float32 model I/O around an int8 RELU or int16 QUANTIZE."""
    shape = R.dims(rng, int(rng.integers(1, 6)), 10, 1500)
    if R.chance(rng, 0.2):
        int_dtype = np.int16 if R.chance(rng, 0.3) else np.int8
        scale = R.scale(rng, 1e-4, 0.5) if int_dtype == np.int16 else R.scale(rng)
        zp = 0 if int_dtype == np.int16 else R.zero_point(rng)
        return float_io_model(shape, scale, zp, scale * R.log_uniform(rng, 0.25, 4), R.zero_point(rng), int_dtype,
                              dequantize=R.chance(rng, 0.7))
    pair = R.choice(rng, (("int8", "int8"), ("int8", "uint8"), ("int8", "int16"), ("int8", "int32"),
                          ("uint8", "int8"), ("int16", "int8"), ("int16", "int16"), ("int16", "int32")))

    def zp(name: str) -> int:
        if name == "uint8":
            return R.zero_point(rng, -128, 127) + 128
        if name == "int8":
            return R.zero_point(rng)
        return 0 if R.chance(rng, 0.8) else int(rng.integers(-1000, 1001))

    in_scale = R.scale(rng, 1e-4, 1.0)
    out_scale = in_scale * R.log_uniform(rng, 1e-3, 1e3)
    return requantize_model(shape, _INT_TYPES[pair[0]], in_scale, zp(pair[0]), _INT_TYPES[pair[1]], out_scale,
                            zp(pair[1]))
