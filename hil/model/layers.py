"""One layer of a model as a model of its own, for checking each layer of a real
model on inputs of its own."""
from __future__ import annotations

from ..modelgen.builder import ModelBuilder
from .tflite import load_graph


def layer_model(model_bytes: bytes, op_index: int) -> bytes:
    """One op of a model as a model of its own: its constant inputs (weights, bias) and
    quantization kept, its activation inputs made graph inputs.  Tests use it to check
    each layer of a real model on random inputs of its own."""
    graph = load_graph(model_bytes)
    op = graph.ops[op_index]
    b = ModelBuilder(f"op {op_index} ({op.type}) of {graph.description or 'a model'}")
    new_index = {}
    for index in op.inputs:
        if index < 0 or index in new_index:
            continue
        t = graph.tensors[index]
        quant = {} if t.scale is None else {"scale": t.scale, "zero_point": t.zero_point,
                                            "quantized_dimension": t.quantized_dimension}
        if t.is_constant:
            new_index[index] = b.const(t.name, t.data, **quant)
        else:
            new_index[index] = b.input(t.name, t.shape, quant.get("scale"), quant.get("zero_point"))
    y = graph.tensors[op.outputs[0]]
    out = b.tensor(y.name, y.shape, scale=y.scale, zero_point=y.zero_point)
    b.op(op.type, [new_index.get(i, -1) for i in op.inputs], [out], op.options_type, **op.options)
    b.mark_output(out)
    return b.build()
