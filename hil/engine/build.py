"""Build the C engine for the host, cached by the hash of sources and flags.

No manual step: the first use compiles (a second or two), later uses take the
cached file.  Builds: the shared library Python loads through ctypes, and the
host tools in kernels/tools (th_run, fuzz_plan), optionally with AddressSanitizer
and UndefinedBehaviorSanitizer, which Python cannot load in-process."""
from __future__ import annotations

from pathlib import Path

from ..errors import HilError
from ..host_build import cached_compile
from ..paths import KERNELS_DIR

WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
SANITIZE_FLAGS = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fno-omit-frame-pointer"]
TOOLS_DIR = KERNELS_DIR / "tools"


def engine_sources() -> list[Path]:
    return sorted((KERNELS_DIR / "src").rglob("*.c"))


def _compile(name: str, sources: list[Path], flags: list[str], suffix: str) -> Path:
    headers = sorted((KERNELS_DIR / "include").rglob("*.h")) + sorted((KERNELS_DIR / "src").rglob("*.h"))
    includes = ["-I", str(KERNELS_DIR / "include"), "-I", str(KERNELS_DIR / "src")]
    return cached_compile(f"{name} for the host", "host", name, sources, flags + includes, suffix, headers)


# The engine build that converts float32 model I/O itself (boards with an FPU; kernels/include/tinyhil/th_kernels.h).
FLOAT_IO_DEFINES = ("TH_FLOAT_IO=1",)


def build_host_library(sanitize: bool = False, defines: tuple[str, ...] = ()) -> Path:
    """The engine as a shared library for ctypes (never sanitized in-process: see module doc)."""
    flags = WARNINGS + ["-O2", "-fPIC", "-shared"] + (SANITIZE_FLAGS if sanitize else []) + [f"-D{d}" for d in defines]
    name = "libtinyhil" + ("-san" if sanitize else "") + ("-floatio" if defines == FLOAT_IO_DEFINES else "")
    return _compile(name, engine_sources(), flags, ".so")


def build_host_tool(tool: str, sanitize: bool = True, defines: tuple[str, ...] = ()) -> Path:
    """An executable from kernels/tools/<tool>.c plus the engine."""
    source = TOOLS_DIR / f"{tool}.c"
    if not source.exists():
        raise HilError(f"no host tool {tool} (looked for {source})")
    flags = WARNINGS + ["-O2"] + (SANITIZE_FLAGS if sanitize else []) + [f"-D{d}" for d in defines]
    return _compile(tool + ("-san" if sanitize else ""), engine_sources() + [source], flags, "")
