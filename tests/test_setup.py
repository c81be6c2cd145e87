"""scripts/setup.sh --check: every capability the harness uses is proven by
running a tiny program, and a missing piece is one line naming the package."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hil.paths import REPO_ROOT

SETUP = REPO_ROOT / "scripts" / "setup.sh"
CAPABILITIES = [
    "host C compiler builds and runs a program",
    "clang builds and runs a libFuzzer target under ASan and UBSan",
    "builds a Cortex-M4 object and links it against newlib-nano",
    "cmake runs",
    "ninja runs",
    "loads a TCG plugin (-plugin)",
    "renders a page and runs its JavaScript headless",
    ".venv imports",
]


def check(cwd: Path = REPO_ROOT, **overrides: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **overrides)
    return subprocess.run(["bash", str(cwd / "scripts" / "setup.sh"), "--check"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def missing_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("[setup] MISSING:")]


def test_every_capability_is_verified_here():
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr
    verified = [line for line in done.stdout.splitlines() if line.startswith("[setup] ok: ")]
    for capability in CAPABILITIES:
        assert any(capability in line for line in verified), f"not verified: {capability}\n{done.stdout}"
    assert "every capability verified" in done.stdout


def test_missing_sanitizer_runtime_is_named_with_its_package(tmp_path):
    """The bug a fresh Debian machine had: clang present, its compiler-rt absent.
    An empty resource directory is exactly what clang sees without libclang-rt-*-dev."""
    empty = tmp_path / "no-compiler-rt"
    empty.mkdir()
    done = check(TINYHIL_CHECK_CLANG=f"clang -resource-dir {empty}")
    assert done.returncode == 1
    lines = missing_lines(done)
    assert len(lines) == 1, done.stderr
    assert "-fsanitize=fuzzer,address,undefined" in lines[0]
    assert "libclang_rt" in lines[0] and "(Debian package libclang-rt-" in lines[0], lines[0]


@pytest.mark.parametrize("variable, package", [
    ("TINYHIL_CHECK_QEMU", "qemu-system-arm"),
    ("TINYHIL_CHECK_ARM_CC", "gcc-arm-none-eabi"),
    ("TINYHIL_CHECK_CHROMIUM", "chromium"),
    ("TINYHIL_CHECK_CLANG", "clang"),
])
def test_missing_tool_is_one_line_naming_its_package(variable, package):
    done = check(**{variable: "/nonexistent/tool"})
    assert done.returncode == 1
    lines = missing_lines(done)
    assert len(lines) == 1 and f"(Debian package {package})" in lines[0], done.stderr


def test_arm_compiler_without_newlib_is_named(tmp_path):
    """A cross compiler that cannot find newlib-nano's specs: the package that brings them is named."""
    real = shutil.which("arm-none-eabi-gcc")
    assert real, "arm-none-eabi-gcc is verified by the first test"
    wrapper = tmp_path / "arm-gcc-without-newlib"
    # --specs resolution searches -B first; a -B holding a broken nano.specs stands in for a missing one.
    (tmp_path / "nano.specs").write_text("%rename link nolink\n*link:\n-lnonexistent_newlib\n")
    wrapper.write_text(f'#!/bin/sh\nexec {real} -B{tmp_path}/ "$@"\n')
    wrapper.chmod(0o755)
    done = check(TINYHIL_CHECK_ARM_CC=str(wrapper))
    lines = missing_lines(done)
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "(Debian package libnewlib-arm-none-eabi)" in lines[0]


def test_a_fresh_clone_checks_the_same_capabilities(tmp_path):
    """A clone holds only tracked files: its setup script must need nothing else.  Without
    its own virtualenv, that one check (and only it) says to run make setup."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    clone = tmp_path / "clone"
    for name in filter(None, files.decode().split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    done = check(cwd=clone)
    assert done.returncode == 1
    assert missing_lines(done) == ["[setup] MISSING: no virtualenv .venv yet (run: make setup)"], done.stderr
    for capability in CAPABILITIES[:-1]:
        assert capability in done.stdout, f"not verified in the clone: {capability}"
