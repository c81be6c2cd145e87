"""The engine's kernel builds: which variant of the int8 kernels an image holds.

A board's `[cpu] kernels` lists the builds its CPU runs, its default first:
that one is what the compiler flags select by themselves
(kernels/src/ops/kernel_isa.h), so it needs no definitions; the others are
built with theirs, to compare them on one board (`hil bench --kernels`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import HilError


@dataclass(frozen=True)
class KernelBuild:
    name: str
    description: str
    defines: tuple[str, ...]    # C definitions that select it when it is not the board's default


KERNEL_BUILDS = {b.name: b for b in (
    KernelBuild("mve", "Helium (MVE) kernels, the DSP ones where none applies", ()),
    KernelBuild("dsp", "DSP-extension kernels (the Cortex-M4 build)", ("TH_KERNELS_NO_MVE",)),
    KernelBuild("reference", "portable reference kernels (the size-optimised build)", ("TH_KERNELS_REFERENCE",)),
)}


def kernel_build_defines(board, kernels: str | None) -> tuple[str, ...]:
    """The definitions of `kernels` on `board` (a hil.boards.Board); None or the
    board's default build need none."""
    if kernels is None or kernels == board.cpu.kernels[0]:
        return ()
    if kernels not in board.cpu.kernels:
        raise HilError(f"board {board.name} ({board.cpu.core}) has no '{kernels}' kernel build; "
                       f"it runs {', '.join(board.cpu.kernels)}")
    return KERNEL_BUILDS[kernels].defines
