"""The engine as a Cortex-M4 library: small, no allocation, no floating point."""
import re
import subprocess

import pytest

from hil.engine.build import engine_sources
from hil.paths import KERNELS_DIR

CM4 = ["-mcpu=cortex-m4", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections", "-std=c99",
       "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
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


def test_text_fits_16_kib(cm4_library):
    out = subprocess.run(["arm-none-eabi-size", "-t", str(cm4_library)], capture_output=True, text=True, check=True)
    total = out.stdout.strip().splitlines()[-1].split()
    text = int(total[0])
    assert text <= 16 * 1024, f".text is {text} bytes"


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
