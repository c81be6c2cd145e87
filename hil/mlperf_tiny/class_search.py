"""Class scores before the softmax, for the dataset's search for one input per class.

A classifier's int8 softmax output saturates: a class far from winning sits at
-128 whatever the input does, so a hill climb on it has no slope.  The scores
here are the model's own arithmetic one step earlier: where the softmax is fed
by a FULLY_CONNECTED layer, TFLM runs the model with that layer's input as the
model output (the subgraph's output index patched in a copy of the flatbuffer)
and the layer's int32 accumulators are computed from its weights and bias,
scaled by the weight scales (per channel where they are); where the softmax is
fed by something else, its int8 input; without a softmax, the output itself.
Host-side only: this is a search heuristic, the labels stay TFLM's top-1."""
from __future__ import annotations

import numpy as np
import tflite

from ..errors import HilError
from ..model.golden import TflmReference
from ..model.tflite import load_graph


def _with_output(data: bytes, tensor: int) -> bytes:
    """The model with subgraph 0's first output replaced by `tensor` (same length, patched in place)."""
    model = tflite.Model.GetRootAsModel(data, 0)
    sg = model.Subgraphs(0)
    table = sg._tab
    offset = table.Offset(8)    # SubGraph.outputs, as the generated SubGraph.Outputs reads it
    if offset == 0 or sg.OutputsLength() < 1:
        raise HilError("model has no subgraph output to redirect")
    pos = table.Vector(offset)
    patched = bytearray(data)
    patched[pos:pos + 4] = int(tensor).to_bytes(4, "little", signed=True)
    return bytes(patched)


class ClassScores:
    """`scores(x)`: one unsaturated score per class for an int8 input `x` (higher = more that class)."""

    def __init__(self, data: bytes):
        graph = load_graph(data)
        out = graph.outputs[0]
        producer = {o: op for op in graph.ops for o in op.outputs}
        softmax = producer.get(out)
        self._fc = None
        if softmax is None or softmax.type != "SOFTMAX":
            self._reference = TflmReference(data)
            return
        logits = softmax.inputs[0]
        fc = producer.get(logits)
        if fc is not None and fc.type == "FULLY_CONNECTED" and len(fc.inputs) >= 2:
            x_t, w_t = graph.tensors[fc.inputs[0]], graph.tensors[fc.inputs[1]]
            b_t = graph.tensor(fc.inputs[2]) if len(fc.inputs) > 2 else None
            if w_t.is_constant and w_t.scale is not None and x_t.zero_point is not None:
                w = w_t.data.reshape(w_t.shape).astype(np.int64)
                w_zp = np.zeros(1, np.int64) if w_t.zero_point is None else w_t.zero_point
                bias = (b_t.data.astype(np.int64) if b_t is not None and b_t.is_constant
                        else np.zeros(w.shape[0], np.int64))
                self._fc = (w - w_zp.reshape(-1, 1), bias, int(x_t.zero_point[0]),
                            np.broadcast_to(w_t.scale.astype(np.float64), (w.shape[0],)))
                self._reference = TflmReference(_with_output(data, fc.inputs[0]))
                return
        self._reference = TflmReference(_with_output(data, logits))

    def scores(self, x: np.ndarray) -> np.ndarray:
        out = self._reference.run([x])[0].ravel().astype(np.int64)
        if self._fc is None:
            return out.astype(np.float64)
        w, bias, x_zp, w_scale = self._fc
        return (w @ (out - x_zp) + bias) * w_scale

    def margin(self, x: np.ndarray, c: int) -> float:
        """Class c's score less the best other class's: positive where c wins."""
        s = self.scores(x)
        return float(s[c] - np.max(np.delete(s, c)))
