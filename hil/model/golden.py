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
        """One inference from the model's initial state: TFLM keeps variable tensors (an LSTM's
        hidden and cell state) across invokes, so they are zeroed first, as the engine starts
        every inference from zero state and the converted models' goldens were made."""
        self.interpreter.reset()
        for i, x in enumerate(inputs):
            self.interpreter.set_input(np.asarray(x, dtype=self.input_dtypes[i]).reshape(self.input_shapes[i]), i)
        self.interpreter.invoke()
        return [np.array(self.interpreter.get_output(i)) for i in range(self.num_outputs)]

    def tensor(self, index: int) -> np.ndarray:
        """Tensor `index` of the last run (needs preserve_all_tensors for intermediates)."""
        return np.array(self.interpreter.GetTensor(index, 0)["tensor_data"])


def random_inputs(specs, seed: int) -> list[np.ndarray]:
    """Seeded uniform inputs: inference `seed` of a run is the same on every board.

    `specs`: per model input, a shape (int8) or a TensorInfo.  Integer inputs are
    uniform over their whole type; a float32 input over the range its boundary
    quantization represents, widened by a tenth on each side so clamping is
    exercised too."""
    rng = np.random.default_rng(seed)
    inputs = []
    for spec in specs:
        shape = tuple(getattr(spec, "shape", spec))
        dtype = str(getattr(spec, "dtype", "INT8")).upper()
        if dtype == "FLOAT32":
            # The integer type the boundary quantizes to (int8 unless the spec says otherwise).
            lo, hi = _INTEGER_RANGES[str(getattr(spec, "boundary_dtype", None) or "INT8")]
            scale, zp = float(getattr(spec, "scale", 0.0)) or 1.0 / 128, int(getattr(spec, "zero_point", 0))
            low, high = (lo - zp) * scale, (hi - zp) * scale
            margin = 0.1 * (high - low)
            inputs.append(rng.uniform(low - margin, high + margin, size=shape).astype(np.float32))
        else:
            lo, hi = _INTEGER_RANGES.get(dtype, (None, None))
            if lo is None:
                raise HilError(f"no random inputs for a {dtype} model input")
            inputs.append(rng.integers(lo, hi + 1, size=shape, dtype=np.dtype(dtype.lower())))
    return inputs


_INTEGER_RANGES = {"INT8": (-128, 127), "UINT8": (0, 255), "INT16": (-32768, 32767), "INT32": (-2 ** 31, 2 ** 31 - 1)}
