"""Golden outputs from the TFLM reference kernels (the tflite-micro wheel)."""
from __future__ import annotations

import numpy as np

from ..errors import HilError
from . import Model

# TFLM wants its arena size up front; the host has memory to spare, so give it plenty.
_TFLM_ARENA_BYTES = 1 << 24


class TflmReference:
    """The TFLM Python interpreter over one model; `run` mirrors HostEngine.run."""

    def __init__(self, model, preserve_all_tensors: bool = False):
        """`model`: a Model (its parsed graph is reused) or the model's bytes.
        `preserve_all_tensors`: keep every tensor for `tensor` (TFLM's kPreserveAllTensors)."""
        model = Model.of(model)
        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError as exc:  # pragma: no cover - a broken install
            raise HilError(f"the tflite-micro wheel is not importable ({exc}); run the README's setup command") from None
        try:
            config = (runtime.InterpreterConfig.kPreserveAllTensors if preserve_all_tensors
                      else runtime.InterpreterConfig.kAllocationRecording)
            self.interpreter = runtime.Interpreter.from_bytes(model.data, arena_size=_TFLM_ARENA_BYTES,
                                                              intrepreter_config=config)
        except (RuntimeError, ValueError) as exc:
            raise HilError(f"TFLM could not load the model: {exc}") from None
        graph = model.graph
        self.input_shapes = [graph.tensors[i].shape for i in graph.inputs]
        self.input_dtypes = [graph.tensors[i].data_dtype for i in graph.inputs]
        self.num_outputs = len(graph.outputs)

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        for i, x in enumerate(inputs):
            self.interpreter.set_input(np.asarray(x, dtype=self.input_dtypes[i]).reshape(self.input_shapes[i]), i)
        self.interpreter.invoke()
        return [np.array(self.interpreter.get_output(i)) for i in range(self.num_outputs)]

    def tensor(self, index: int) -> np.ndarray:
        """Tensor `index` of the last run (needs preserve_all_tensors for intermediates)."""
        return np.array(self.interpreter.GetTensor(index, 0)["tensor_data"])


def random_inputs(shapes: list[tuple[int, ...]], seed: int) -> list[np.ndarray]:
    """Seeded uniform int8 inputs: inference `seed` of a run is the same on every board."""
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, size=shape, dtype=np.int8) for shape in shapes]
