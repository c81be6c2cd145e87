"""The one check every op and model test makes: engine == TFLM, byte for byte."""
from __future__ import annotations

import numpy as np

from hil.results.agreement import Agreement
from hil.compiler import compile_model
from hil.engine.host import HostEngine, run_sanitized
from hil.model.golden import TflmReference, random_inputs


def assert_matches_tflm(model_bytes: bytes, num_inputs: int = 5, seed: int = 0, sanitize: bool = True,
                        batch: list[list[np.ndarray]] | None = None) -> Agreement:
    """Compile, run `num_inputs` seeded inputs (or `batch`) on the host engine
    (the ASan+UBSan build when `sanitize`) and on TFLM; assert every output byte equal."""
    plan = compile_model(model_bytes)
    golden = TflmReference(model_bytes)
    if batch is None:
        batch = [random_inputs(plan.inputs, seed + i) for i in range(num_inputs)]
    plan_batch = [plan.encode_inputs(xs) for xs in batch]   # float I/O: the boundary's conversion
    if sanitize:
        engine_outputs = run_sanitized(plan.blob, plan_batch, [t.shape for t in plan.outputs])
    else:
        engine = HostEngine(plan.blob)
        engine_outputs = [engine.run(xs) for xs in plan_batch]
    engine_outputs = [plan.decode_outputs(outs) for outs in engine_outputs]
    assert len(engine_outputs) == len(batch) > 0, f"{len(engine_outputs)} results for {len(batch)} inferences"
    agreement = Agreement()
    for xs, outs in zip(batch, engine_outputs):
        agreement.add(outs, golden.run(xs))
    assert agreement.all_equal, (
        f"engine differs from TFLM on {agreement.inferences - agreement.byte_equal} of {agreement.inferences} "
        f"inferences (max abs diff {agreement.max_abs_diff}); first mismatch: {agreement.first_mismatch}")
    return agreement


def assert_same_outputs(got: list[np.ndarray], expected: list[np.ndarray], what: str) -> None:
    """Outputs of one inference equal their reference: the same number of outputs (at least one),
    and each of the same shape, dtype and bytes.  `zip` alone would pass on a missing output."""
    assert len(expected) > 0, f"{what}: the reference produced no outputs"
    assert len(got) == len(expected), f"{what}: {len(got)} outputs, the reference has {len(expected)}"
    for k, (out, ref) in enumerate(zip(got, expected)):
        out, ref = np.asarray(out), np.asarray(ref)
        assert (out.shape, out.dtype) == (ref.shape, ref.dtype), (
            f"{what}: output {k} is {out.dtype}{list(out.shape)}, the reference {ref.dtype}{list(ref.shape)}")
        differ = np.flatnonzero(out.reshape(-1) != ref.reshape(-1))
        assert differ.size == 0, (f"{what}: output {k} differs at {differ.size} of {out.size} values, first at "
                                  f"{differ[0]}: {out.reshape(-1)[differ[0]]} != {ref.reshape(-1)[differ[0]]}")


def assert_same_batch(got: list[list[np.ndarray]], expected: list[list[np.ndarray]], what: str) -> None:
    """assert_same_outputs over a batch, after checking that every inference produced a result."""
    assert len(expected) > 0, f"{what}: no inferences to compare"
    assert len(got) == len(expected), f"{what}: {len(got)} results for {len(expected)} inferences"
    for i, (outs, refs) in enumerate(zip(got, expected)):
        assert_same_outputs(outs, refs, f"{what}, inference {i}")
