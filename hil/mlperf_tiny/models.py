"""The four MLPerf Tiny models as the benchmark names them, and how their
inputs travel over the protocol."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import HilError


@dataclass(frozen=True)
class MlperfModel:
    key: str              # our short name: vww, kws, ic, ad
    version: str          # what m-model-[...] says and the runner's scripts are keyed by
    input_offset: int     # a sent byte is (int8 input + offset) mod 256: 128 for uint8 pixels
    results: str          # "dequantized": the outputs; "mse": one reconstruction error
    iterations: int       # tests_performance.yaml: infer N W
    warmups: int


# N and W are the official runner's tests_performance.yaml; image models take
# uint8 pixels (the benchmark's convention: int8 input = pixel - 128).
MODELS: dict[str, MlperfModel] = {
    "vww": MlperfModel("vww", "vww01", 128, "dequantized", 20, 5),
    "kws": MlperfModel("kws", "kws01", 0, "dequantized", 70, 10),
    "ic": MlperfModel("ic", "ic01", 128, "dequantized", 20, 5),
    "ad": MlperfModel("ad", "ad01", 0, "mse", 1500, 10),
}
PERFORMANCE_WINDOWS = 5
MIN_TOTAL_SECONDS = 10.0


def get_model(name: str) -> MlperfModel:
    for m in MODELS.values():
        if name in (m.key, m.version):
            return m
    raise HilError(f"unknown MLPerf Tiny model '{name}'; one of: {', '.join(MODELS)}")
