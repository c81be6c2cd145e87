"""compile_model's whole-model checks (the per-op ones live with each op's tests)."""
from __future__ import annotations

import pytest

from hil.compiler import compile_model


def test_a_model_without_inputs_is_refused_with_a_reason():
    """Every op reading constants: TFLM runs it, but a plan takes at least one input; say so, do not
    write a plan the engine would refuse."""
    from hil.errors import UnsupportedModelError
    from hil.modelgen.zoo.pack import pack_model
    with pytest.raises(UnsupportedModelError, match="no inputs"):
        compile_model(pack_model((2, 5), 0, 1, const_piece=True))
