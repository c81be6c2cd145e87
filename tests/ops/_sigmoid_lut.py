"""TFLM's int16 sigmoid/tanh look-up table (sigmoid(i/24) in 0.16), read back
through the pinned wheel's int16 TANH kernel, so the engine's copy can be
checked against the reference it must match.

An int16 TANH whose input scale is just above 2/12288 gets TFLM's multiplier
32768 with left shift 14: the kernel's table input is exactly 2 * x.  At
x = 128 * i the interpolation term vanishes and the output is table[i] - 32768;
the last entry (only ever the upper end of the last interval) follows from the
interpolated output at x = 128 * 254 + 127."""
from __future__ import annotations

import numpy as np

from hil.model.golden import TflmReference
from hil.modelgen.builder import ModelBuilder


def _tanh_int16(scale: float, xs: list[int]) -> np.ndarray:
    b = ModelBuilder("int16 tanh probe")
    x = b.input("x", (1, len(xs)), scale=scale, zero_point=0, dtype=np.int16)
    y = b.tensor("y", (1, len(xs)), np.int16, scale=2.0 ** -15, zero_point=0)
    b.op("TANH", [x], [y])
    b.mark_output(y)
    return TflmReference(b.build()).run([np.array(xs, np.int16).reshape(1, -1)])[0].ravel().astype(np.int64)


def tflm_sigmoid_table() -> list[int]:
    scale = np.float32(2.0 / 12288)
    while float(scale) * 4096.0 * 3.0 < 2.0:
        scale = np.nextafter(scale, np.float32(1))
    xs = [128 * i for i in range(255)] + [128 * 254 + 127]
    out = _tanh_int16(float(scale), xs)
    table = [int(v) + 32768 for v in out[:255]]
    # At table input 254 * 256 + 254: ((ua << 8) + 254 * d - 2^23 + 128) >> 8 = ua - 32768 + ((254 * d + 128) >> 8).
    extra = int(out[255]) + 32768 - table[254]
    d = next(d for d in range(0, 64) if (254 * d + 128) >> 8 == extra)
    return table + [table[254] + d]
