"""A reader for the C headers that define binary layouts.

The plan format (kernels/include/tinyhil/th_plan_format.h) and the link
protocol (firmware/protocol/th_link.h) are each described once, in C, by
integer #defines and X-macro lists such as

    #define TH_OP_LIST(X) X(CONV_2D, 1) X(ADD, 9)
    #define TH_LINK_CHUNK_FIELDS(F) F(uint32_t, offset)

This module reads those: the #defines, the entries of a list macro, and the
fields of a record list (F(type, name) entries) as little-endian struct codes.
A malformed list is an error naming the file, line and macro, not a silently
shorter record."""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

# The fixed-width C types a record may hold, and their struct codes.
CTYPES = {"uint8_t": "B", "int8_t": "b", "uint16_t": "H", "int16_t": "h",
          "uint32_t": "I", "int32_t": "i", "uint64_t": "Q", "int64_t": "q"}

_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?(.*)$")


class CHeaderError(ValueError):
    """A header does not have the shape the reader needs (one line, with its location)."""


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...] | None   # None: an object-like macro
    body: str                        # comments removed; one line per source line
    line: int                        # the line of its #define


@dataclass(frozen=True)
class Field:
    name: str
    ctype: str
    code: str                        # its struct code
    line: int


@dataclass(frozen=True)
class StructLayout:
    """A record's fields: packed, little-endian, in order."""
    name: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def codes(self) -> str:
        return "".join(f.code for f in self.fields)

    @property
    def size(self) -> int:
        return struct.calcsize("<" + self.codes)


def _without_comments(text: str) -> str:
    """Comments blanked out, keeping every newline so line numbers still hold; a
    comment over several lines keeps them joined, as C sees it inside a #define."""
    text = re.sub(r"/\*.*?\*/", lambda m: " " + "\\\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _int(token: str) -> int:
    return int(token.rstrip("uUlL"), 0)


class CHeader:
    """The macros of one header's text.  `source` names it in errors."""

    def __init__(self, text: str, source: str = "<header>"):
        self.source = source
        self.macros: dict[str, Macro] = {}
        lines = _without_comments(text).split("\n")
        i = 0
        while i < len(lines):
            match = _DEFINE.match(lines[i])
            start = i
            i += 1
            if not match:
                continue
            body = [match.group(4)]
            while body[-1].rstrip().endswith("\\") and i < len(lines):
                body[-1] = body[-1].rstrip()[:-1]
                body.append(lines[i])
                i += 1
            if body[-1].rstrip().endswith("\\"):
                body[-1] = body[-1].rstrip()[:-1]
            params = None if match.group(2) is None else \
                tuple(p.strip() for p in match.group(3).split(",") if p.strip())
            name = match.group(1)
            # The first definition wins, as for the guarded headers read here.
            self.macros.setdefault(name, Macro(name, params, "\n".join(body), start + 1))

    @classmethod
    def from_path(cls, path: Path) -> CHeader:
        return cls(Path(path).read_text(), str(path))

    def _where(self, line: int, name: str) -> str:
        return f"{self.source}:{line}: {name}"

    def macro(self, name: str) -> Macro:
        if name not in self.macros:
            raise CHeaderError(f"{self.source}: no #define {name}")
        return self.macros[name]

    def define(self, name: str) -> int:
        """The value of an integer #define (hex or decimal, with or without a u/l suffix)."""
        m = self.macro(name)
        if m.params is not None:
            raise CHeaderError(f"{self._where(m.line, name)}: a function-like macro, not an integer")
        token = " ".join(m.body.split())
        try:
            return _int(token)
        except ValueError:
            raise CHeaderError(f"{self._where(m.line, name)}: {token!r} is not an integer") from None

    def entries(self, name: str, arity: int | None = None) -> list[tuple[str, ...]]:
        """The arguments of each entry of list macro `name` (`#define NAME(X) X(a, b) ...`),
        in order; with `arity`, each entry must have exactly that many."""
        return [args for args, _ in self._located_entries(name, arity)]

    def _located_entries(self, name: str, arity: int | None) -> list[tuple[tuple[str, ...], int]]:
        m = self.macro(name)
        if not m.params or len(m.params) != 1:
            raise CHeaderError(f"{self._where(m.line, name)}: not a list macro NAME(X)")
        entry = re.compile(rf"\b{re.escape(m.params[0])}\(([^()]*)\)")
        out, pos = [], 0
        for found in entry.finditer(m.body):
            self._only_space(m, pos, found.start())
            args = tuple(a.strip() for a in found.group(1).split(","))
            line = m.line + m.body.count("\n", 0, found.start())
            if not all(args) or (arity is not None and len(args) != arity):
                raise CHeaderError(f"{self._where(line, name)}: malformed entry {found.group(0)!r}"
                                   + (f" (expected {arity} arguments)" if arity is not None else ""))
            out.append((args, line))
            pos = found.end()
        self._only_space(m, pos, len(m.body))
        return out

    def _only_space(self, m: Macro, start: int, end: int) -> None:
        stray = m.body[start:end]
        if stray.strip():
            offset = start + len(stray) - len(stray.lstrip())
            line = m.line + m.body.count("\n", 0, offset)
            raise CHeaderError(f"{self._where(line, m.name)}: unexpected {stray.strip().splitlines()[0]!r} "
                               f"(entries are {m.params[0]}(...))")

    def int_entries(self, name: str, arity: int) -> dict[str, tuple[int, ...]]:
        """A list of X(name, integer, ...) entries (`arity` arguments) as {name: (integers)}."""
        out = {}
        for (key, *values), line in self._located_entries(name, arity):
            try:
                out[key] = tuple(_int(v) for v in values)
            except ValueError:
                raise CHeaderError(f"{self._where(line, name)}: {key}: {', '.join(values)} "
                                   "is not a list of integers") from None
        return out

    def id_list(self, name: str) -> dict[str, int]:
        """A list of X(name, integer) entries as {name: value}."""
        return {key: value for key, (value,) in self.int_entries(name, 2).items()}

    def struct_layout(self, name: str) -> StructLayout:
        """A record list of F(type, name) entries, each type one of CTYPES."""
        fields = []
        for (ctype, field_name), line in self._located_entries(name, 2):
            if ctype not in CTYPES:
                raise CHeaderError(f"{self._where(line, name)}: field {field_name} has unsupported type {ctype} "
                                   f"(supported: {', '.join(CTYPES)})")
            fields.append(Field(field_name, ctype, CTYPES[ctype], line))
        return StructLayout(name, tuple(fields))

    def struct_layouts(self, pattern: str) -> dict[str, StructLayout]:
        """Every record list whose name matches `pattern` (a regex with one group):
        {the group: its layout}, in the header's order."""
        out = {}
        for name in self.macros:
            match = re.fullmatch(pattern, name)
            if match:
                out[match.group(1)] = self.struct_layout(name)
        return out
