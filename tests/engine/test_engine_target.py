"""The engine as a Cortex-M library: small, no allocation, no floating point."""
import re
import subprocess

import pytest

from hil.engine.build import engine_sources
from hil.engine.op_set import MLPERF_TINY_OPS, write_op_set_header
from hil.paths import KERNELS_DIR

CM4 = ["-mcpu=cortex-m4", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections", "-std=c99",
       "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
# The Cortex-M55 with Helium: the MVE kernel variants and the DSP ones they fall back on.
CM55 = ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"] + CM4[2:]
# Integer helpers the compiler may call; anything else must be looked at.
ALLOWED_UNDEFINED = {"memcpy", "memset", "memmove", "__aeabi_memcpy", "__aeabi_memcpy4", "__aeabi_memset",
                     "__aeabi_memset4", "__aeabi_memclr", "__aeabi_memclr4", "__aeabi_memmove",
                     "__aeabi_ldivmod", "__aeabi_uldivmod", "__aeabi_idiv", "__aeabi_idivmod",
                     "__aeabi_uidiv", "__aeabi_uidivmod", "__aeabi_lmul", "__aeabi_llsl", "__aeabi_llsr",
                     "__aeabi_lasr"}
FLOAT_SYMBOL = re.compile(r"^(__aeabi_[fd]\w*|__aeabi_\w*2[fd]|__\w*[sd]f\d?|sqrtf?|expf?|logf?|powf?)$")


@pytest.fixture(scope="module")
def cm4_library(tmp_path_factory, require_tool_module):
    require_tool_module("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("cm4")
    objects = []
    for src in engine_sources():
        obj = out / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-gcc", *CM4, "-I", str(KERNELS_DIR / "include"), "-I", str(KERNELS_DIR / "src"),
                        "-c", str(src), "-o", str(obj)], check=True)
        objects.append(str(obj))
    lib = out / "libtinyhil.a"
    subprocess.run(["arm-none-eabi-ar", "rcs", str(lib), *objects], check=True)
    return lib


@pytest.fixture(scope="module")
def require_tool_module():
    import shutil

    def need(tool):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the README's setup command installs it)")
    return need


# The engine's code as linked into firmware (gc-sections): the sizes of the
# symbols that the engine's objects define, in a program that calls the whole
# API.  C library and libgcc helpers (memcpy, 64-bit division) are not counted.
API_USER = r"""
#include "tinyhil/th_runtime.h"
th_model model;
unsigned char arena[64] __attribute__((aligned(16)));
const unsigned char plan[16] __attribute__((aligned(16))) = {0};
void _start(void)
{
    th_error err; th_tensor t; th_plan_header h;
    th_plan_read_header(plan, 16, &h, &err);
    if (th_model_load(&model, plan, 16, arena, 64, &err) == TH_OK) {
        th_model_input(&model, 0, &t); th_model_invoke(&model, &err); th_model_output(&model, 0, &t);
        th_model_set_profiler(&model, 0);
    }
    for (;;) {}
}
"""


def _symbols(path, types: str) -> list[tuple[str, int]]:
    out = subprocess.run(["arm-none-eabi-nm", "-S", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()]
    return [(r[3], int(r[1], 16)) for r in rows if len(r) == 4 and r[2] in types]


def _linked_engine_text(tmp_path, objects: list[str], cpu: list[str] = CM4) -> int:
    src = tmp_path / "api_user.c"
    src.write_text(API_USER)
    elf = tmp_path / "api_user.elf"
    subprocess.run(["arm-none-eabi-gcc", *cpu, "-I", str(KERNELS_DIR / "include"), str(src), *objects,
                    "-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", "-Wl,-e,_start", "-o", str(elf)],
                   check=True)
    engine_names = {name for obj in objects for name, _ in _symbols(obj, "tTrR")}
    return sum(size for name, size in _symbols(elf, "tTrR") if name in engine_names)


def _cm4_objects(tmp_path, op_set_flags: list[str], cpu: list[str] = CM4) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    objects = []
    for src in engine_sources():
        obj = tmp_path / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-gcc", *cpu, *op_set_flags, "-I", str(KERNELS_DIR / "include"), "-I",
                        str(KERNELS_DIR / "src"), "-c", str(src), "-o", str(obj)], check=True)
        objects.append(str(obj))
    return objects


@pytest.mark.parametrize("build, cpu, kernel_flags, limit", [
    ("size-optimised portable", CM4, ["-DTH_KERNELS_REFERENCE"], 16 * 1024),
    ("Cortex-M4 DSP", CM4, [], 24 * 1024),
    ("Cortex-M55 Helium", CM55, [], 36 * 1024),
])
def test_mlperf_tiny_op_set_build_fits_its_budget(tmp_path, require_tool_module, build, cpu, kernel_flags, limit):
    """The engine with the MLPerf Tiny models' op set (int8 only: no 16x8 paths), as linked (-Os): on
    Cortex-M4 the portable kernels within 16 KiB, the DSP kernels (what the M4 boards run) within 24 KiB; on
    Cortex-M55 the Helium kernels with the DSP ones they fall back on within 36 KiB."""
    require_tool_module("arm-none-eabi-gcc")
    flags = write_op_set_header(tmp_path / "op_set", MLPERF_TINY_OPS, int16=False) + kernel_flags
    engine = _linked_engine_text(tmp_path, _cm4_objects(tmp_path / "objects", flags, cpu), cpu)
    print(f"engine .text ({build}): {engine} B")
    assert 4000 < engine <= limit, f"engine .text ({build}, MLPerf Tiny op set, -Os, linked) is {engine} bytes"


def test_the_mlperf_tiny_op_set_is_what_the_four_models_use():
    from hil.compiler import compile_model
    from hil.model import resolve_model
    used = {op.type for name in ("vww", "kws", "ic", "ad") for op in compile_model(resolve_model(name)).ops}
    assert used == set(MLPERF_TINY_OPS)


def test_an_op_set_leaves_the_other_ops_out(tmp_path, require_tool_module):
    require_tool_module("arm-none-eabi-gcc")
    small = _cm4_objects(tmp_path / "small", write_op_set_header(tmp_path / "small_set", ["RESHAPE"]))
    every = _cm4_objects(tmp_path / "all", [])
    only_reshape = _linked_engine_text(tmp_path / "small", small)
    all_ops = _linked_engine_text(tmp_path / "all", every)
    assert only_reshape + 4000 < all_ops, (only_reshape, all_ops)


def test_no_allocation_or_float_routines(cm4_library):
    out = subprocess.run(["arm-none-eabi-nm", str(cm4_library)], capture_output=True, text=True, check=True)
    symbols = [line.split() for line in out.stdout.splitlines() if line.strip() and not line.endswith(":")]
    defined = {s[-1] for s in symbols if len(s) == 3}
    # What the library needs from outside: undefined in some object and defined in none.
    undefined = {s[-1] for s in symbols if len(s) == 2 and s[0] == "U"} - defined
    assert not undefined & {"malloc", "calloc", "realloc", "free"}
    assert not {s for s in undefined if FLOAT_SYMBOL.match(s)}, "float routines referenced"
    assert undefined <= ALLOWED_UNDEFINED, f"unexpected dependencies: {sorted(undefined - ALLOWED_UNDEFINED)}"


def test_no_floating_point_instructions_with_fpu_enabled(tmp_path, require_tool_module):
    require_tool_module("arm-none-eabi-gcc")
    flags = CM4 + ["-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
    for src in engine_sources():
        obj = tmp_path / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-gcc", *flags, "-I", str(KERNELS_DIR / "include"), "-I",
                        str(KERNELS_DIR / "src"), "-c", str(src), "-o", str(obj)], check=True)
        dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(obj)], capture_output=True, text=True,
                             check=True).stdout
        fp = [line for line in dis.splitlines() if re.search(r"\tv(add|sub|mul|div|cvt|mov|ldr|str|cmp)\S*\.f(32|64)", line)]
        assert not fp, f"{src.name} uses floating point: {fp[:3]}"
