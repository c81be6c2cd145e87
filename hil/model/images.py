"""Test images as model inputs: 8-bit grayscale BMPs (the TFLM person-detection
example's images) quantized with a model input's parameters."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import HilError


def read_grayscale_bmp(path: Path) -> np.ndarray:
    """An uncompressed 8-bit BMP -> HxW uint8 pixels, rows top to bottom."""
    data = Path(path).read_bytes()
    if data[:2] != b"BM" or len(data) < 54:
        raise HilError(f"{path} is not a BMP file")
    bits = int.from_bytes(data[28:30], "little")
    if bits != 8:
        raise HilError(f"{path} has {bits} bits per pixel; an 8-bit grayscale BMP is needed")
    offset = int.from_bytes(data[10:14], "little")
    width = int.from_bytes(data[18:22], "little", signed=True)
    height = int.from_bytes(data[22:26], "little", signed=True)
    row = (width + 3) // 4 * 4   # rows are padded to 4 bytes
    pixels = np.frombuffer(data[offset:offset + row * abs(height)], np.uint8).reshape(abs(height), row)[:, :width]
    return pixels[::-1] if height > 0 else pixels   # positive height: stored bottom-up


def image_to_input(gray: np.ndarray, shape: tuple[int, ...], scale: float, zero_point: int) -> np.ndarray:
    """Pixels 0..255 read as 0..1, quantized with the input's scale and zero
    point and replicated over its channels (vww: p -> p - 128, three times)."""
    if len(shape) != 4 or shape[0] != 1 or tuple(shape[1:3]) != gray.shape or scale <= 0:
        raise HilError(f"a {gray.shape[0]}x{gray.shape[1]} image cannot feed an input of shape {list(shape)}")
    quantized = np.clip(np.round(gray.astype(np.float64) / 255.0 / scale) + zero_point, -128, 127).astype(np.int8)
    return np.repeat(quantized[None, :, :, None], shape[3], axis=3)
