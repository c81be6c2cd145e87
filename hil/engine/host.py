"""The engine running natively on the host, through ctypes."""
from __future__ import annotations

import ctypes
from functools import lru_cache

import numpy as np

from ..errors import EngineError
from ..compiler.plan_format import describe_error, numpy_dtype, plan_format, plan_io
from .build import build_host_library

_MODEL_STRUCT_BYTES = 16384  # >= sizeof(th_model) (checked against th_model_struct_bytes at load)


class ThError(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int32), ("op_index", ctypes.c_int32), ("op_type", ctypes.c_int32),
                ("tensor_index", ctypes.c_int32), ("byte_offset", ctypes.c_uint32),
                ("expected", ctypes.c_int64), ("got", ctypes.c_int64), ("field", ctypes.c_uint32)]

    def describe(self, action: str, plan: bytes | None = None) -> str:
        return describe_error(self.details(), action, plan)

    def details(self) -> dict:
        return {name: getattr(self, name) for name, _ in self._fields_}


class ThTensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_uint8), ("rank", ctypes.c_uint8), ("dims", ctypes.c_int32 * plan_format().max_rank),
                ("zero_point", ctypes.c_int32), ("bytes", ctypes.c_uint32), ("data", ctypes.c_void_p)]


@lru_cache(maxsize=4)
def load_library(sanitize: bool = False, float_io: bool = False) -> ctypes.CDLL:
    from .build import FLOAT_IO_DEFINES
    lib = ctypes.CDLL(str(build_host_library(sanitize=sanitize, defines=FLOAT_IO_DEFINES if float_io else ())))
    lib.th_model_load.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p,
                                  ctypes.c_uint32, ctypes.POINTER(ThError)]
    lib.th_model_load.restype = ctypes.c_int
    lib.th_model_invoke.argtypes = [ctypes.c_void_p, ctypes.POINTER(ThError)]
    lib.th_model_invoke.restype = ctypes.c_int
    for fn in (lib.th_model_input, lib.th_model_output):
        fn.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(ThTensor)]
        fn.restype = ctypes.c_int
    for fn in (lib.th_model_num_inputs, lib.th_model_num_outputs):
        fn.argtypes = [ctypes.c_void_p]
        fn.restype = ctypes.c_uint32
    lib.th_plan_read_header.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.POINTER(ThError)]
    lib.th_plan_read_header.restype = ctypes.c_int
    lib.th_crc32.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint32]
    lib.th_crc32.restype = ctypes.c_uint32
    lib.th_model_struct_bytes.restype = ctypes.c_uint32
    if lib.th_model_struct_bytes() > _MODEL_STRUCT_BYTES:
        raise EngineError(f"th_model is {lib.th_model_struct_bytes()} bytes; the binding reserves {_MODEL_STRUCT_BYTES}")
    return lib


def _aligned_buffer(size: int, align: int = 16) -> tuple[ctypes.Array, int]:
    raw = ctypes.create_string_buffer(size + align)
    address = ctypes.addressof(raw)
    return raw, address + (-address) % align


class HostEngine:
    """One loaded plan with its own arena.  `run` takes and returns arrays of the plan's I/O dtypes."""

    def __init__(self, plan_blob: bytes, arena_bytes: int | None = None, float_io: bool = False):
        """`float_io`: the engine build that converts float32 model I/O itself (TH_FLOAT_IO)."""
        self.lib = load_library(float_io=float_io)
        self._plan_raw, self._plan = _aligned_buffer(max(len(plan_blob), 1))
        ctypes.memmove(self._plan, plan_blob, len(plan_blob))
        self.plan_bytes = len(plan_blob)
        if arena_bytes is None:
            header = ctypes.create_string_buffer(plan_format().header.size)
            err = ThError()
            status = self.lib.th_plan_read_header(self._plan, self.plan_bytes, header, ctypes.byref(err))
            if status:
                raise EngineError(err.describe("reading the plan header", plan_blob), plan_format().statuses.get(status, ""),
                                  err.details())
            arena_bytes = plan_format().header.unpack(header.raw)["arena_bytes"]
        self.arena_bytes = arena_bytes
        self._arena_raw, self._arena = _aligned_buffer(max(arena_bytes, 1))
        self._model_raw, self._model = _aligned_buffer(_MODEL_STRUCT_BYTES)
        err = ThError()
        status = self.lib.th_model_load(self._model, self._plan, self.plan_bytes, self._arena, arena_bytes,
                                        ctypes.byref(err))
        if status:
            raise EngineError(err.describe("loading the plan", plan_blob), plan_format().statuses.get(status, ""),
                              err.details())

    def _tensor(self, getter, index: int) -> ThTensor:
        t = ThTensor()
        if getter(self._model, index, ctypes.byref(t)):
            raise EngineError(f"no tensor {index}")
        return t

    def _view(self, t: ThTensor) -> np.ndarray:
        shape = tuple(t.dims[: t.rank])
        buf = (ctypes.c_uint8 * t.bytes).from_address(t.data)
        return np.frombuffer(buf, dtype=numpy_dtype(t.dtype)).reshape(shape)

    @property
    def num_inputs(self) -> int:
        return self.lib.th_model_num_inputs(self._model)

    @property
    def num_outputs(self) -> int:
        return self.lib.th_model_num_outputs(self._model)

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != self.num_inputs:
            raise EngineError(f"model has {self.num_inputs} inputs, got {len(inputs)}")
        for i, x in enumerate(inputs):
            dst = self._view(self._tensor(self.lib.th_model_input, i))
            x = np.asarray(x)
            if x.dtype != dst.dtype or x.size != dst.size:
                raise EngineError(f"input {i}: expected {dst.dtype} with {dst.size} elements (shape {list(dst.shape)}), "
                                  f"got {x.dtype} with {x.size} elements (shape {list(x.shape)})")
            dst[...] = x.reshape(dst.shape)
        err = ThError()
        status = self.lib.th_model_invoke(self._model, ctypes.byref(err))
        if status:
            raise EngineError(err.describe("invoke"), plan_format().statuses.get(status, ""), err.details())
        return [self._view(self._tensor(self.lib.th_model_output, i)).copy() for i in range(self.num_outputs)]


def run_sanitized(plan_blob: bytes, batch: list[list[np.ndarray]],
                  output_shapes: list[tuple[int, ...]] | None = None, float_io: bool = False,
                  defines: tuple[str, ...] = ()) -> list[list[np.ndarray]]:
    """Run a batch of inferences in the ASan+UBSan build of kernels/tools/th_run.c.

    Any memory error or undefined behaviour aborts the tool, which is raised
    here with the sanitizer's report.  `float_io`: the TH_FLOAT_IO engine build;
    `defines`: more C definitions for the build (e.g. TH_KERNELS_DSP_PORTABLE)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from .build import FLOAT_IO_DEFINES, build_host_tool

    input_specs, output_specs = plan_io(plan_blob)
    if output_shapes is not None and [tuple(s) for s in output_shapes] != [s.shape for s in output_specs]:
        # a deliberately edited plan: the caller's shapes win, the dtypes stay the plan's
        output_specs = [type(spec)(tuple(shape), spec.dtype) for spec, shape in zip(output_specs, output_shapes)]
    tool = build_host_tool("th_run", sanitize=True, defines=(FLOAT_IO_DEFINES if float_io else ()) + tuple(defines))
    with tempfile.TemporaryDirectory(prefix="tinyhil-run-") as tmp:
        plan_path, in_path, out_path = (Path(tmp) / n for n in ("plan.bin", "inputs.bin", "outputs.bin"))
        plan_path.write_bytes(plan_blob)
        in_path.write_bytes(b"".join(_input_bytes(x, spec, k) for xs in batch for k, (x, spec) in
                                     enumerate(zip(xs, input_specs))))
        result = subprocess.run([str(tool), str(plan_path), str(in_path), str(out_path)], capture_output=True,
                                text=True, env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "PATH": "/usr/bin:/bin"})
        if result.returncode != 0:
            raise EngineError(f"sanitized engine run failed (exit {result.returncode}):\n{result.stderr.strip()[-4000:]}")
        raw = out_path.read_bytes()
    sizes = [int(np.prod(s.shape, dtype=np.int64)) * s.dtype.itemsize for s in output_specs]
    per_inference = sum(sizes)
    if len(raw) != per_inference * len(batch):
        raise EngineError(f"sanitized run wrote {len(raw)} output bytes, expected {per_inference * len(batch)}")
    results, cursor = [], 0
    for _ in batch:
        outs = []
        for size, spec in zip(sizes, output_specs):
            outs.append(np.frombuffer(raw[cursor:cursor + size], dtype=spec.dtype).reshape(spec.shape).copy())
            cursor += size
        results.append(outs)
    return results


def _input_bytes(x, spec, index: int) -> bytes:
    x = np.asarray(x)
    if x.dtype != spec.dtype or x.size != int(np.prod(spec.shape, dtype=np.int64)):
        raise EngineError(f"input {index}: expected {spec.dtype} with shape {list(spec.shape)}, "
                          f"got {x.dtype} with shape {list(x.shape)}")
    return np.ascontiguousarray(x).tobytes()


_OP_HOOK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint16, ctypes.c_uint16)


class _ThProfiler(ctypes.Structure):
    _fields_ = [("op_begin", _OP_HOOK), ("op_end", _OP_HOOK), ("user", ctypes.c_void_p)]


def trace_ops(engine: HostEngine, inputs: list[np.ndarray]) -> list[tuple[str, int, int]]:
    """Run once with profiler hooks installed; returns the ("begin"/"end", op index, op type) events."""
    events: list[tuple[str, int, int]] = []
    begin = _OP_HOOK(lambda user, index, op_type: events.append(("begin", index, op_type)))
    end = _OP_HOOK(lambda user, index, op_type: events.append(("end", index, op_type)))
    profiler = _ThProfiler(begin, end, None)
    lib = engine.lib
    lib.th_model_set_profiler.argtypes = [ctypes.c_void_p, ctypes.POINTER(_ThProfiler)]
    lib.th_model_set_profiler(engine._model, ctypes.byref(profiler))
    try:
        engine.run(inputs)
    finally:
        lib.th_model_set_profiler(engine._model, None)
    return events
