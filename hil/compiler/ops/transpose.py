"""TRANSPOSE (int8, int16; rank <= 5; constant perm): a strided copy, output dim d = input dim perm[d].

As TFLM's transpose_common.cc: rank 1-5, a constant 1-D perm with one entry
per input dim, read as int32 words (an INT64 perm is misread the same way),
each in [0, rank).  TFLM does not check that perm is a permutation; a
repeated entry is refused here (the output would not be a transpose)."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label
from .slice import int32_words

MOVABLE = ("INT8", "INT16")      # TFLM's Eval: float32, int8 and int16 only
MAX_RANK = 5     # "Transpose op only supports 1D-5D input arrays."
FIELDS_RANK = 6


@register("TRANSPOSE")
def prepare_transpose(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    perm_t = input_tensor(graph, op, 1, "perm")
    y = output_tensor(graph, op)
    require(x.type_name in MOVABLE, op,
            f"input {tensor_label(x)} is {x.type_name}; TFLM transposes only float32, int8 and int16")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the input is {x.type_name}")
    rank = len(x.shape)
    require(rank <= MAX_RANK, op, f"input {tensor_label(x)} has rank {rank}; TFLM transposes 1D-5D arrays")
    require(perm_t.is_constant, op, f"perm {tensor_label(perm_t)} is not constant (TFLM: non-constant >perm< "
                                    "tensor is not supported)")
    require(len(perm_t.shape) == 1 and perm_t.shape[0] == rank, op,
            f"perm {tensor_label(perm_t)} has shape {list(perm_t.shape)}; TFLM wants [{rank}]")
    perm = int32_words(perm_t, rank)
    require(all(0 <= p < rank for p in perm), op,
            f"perm {perm} is out of bounds for rank {rank} (TFLM: permutations array is out of bounds)")
    require(sorted(perm) == list(range(rank)), op, f"perm {perm} repeats a dim: not a permutation")
    expected = [x.shape[p] for p in perm]
    require(list(y.shape) == expected, op,
            f"output {tensor_label(y)} shape {list(y.shape)} is not the input's {list(x.shape)} permuted by "
            f"{perm} ({expected})")
    params = {f"perm{d}": (perm[d] if d < rank else d) for d in range(FIELDS_RANK)}
    return PreparedOp("TRANSPOSE", [x.index], y.index, params=params)
