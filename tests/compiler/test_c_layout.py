"""The C-header layout reader shared by the plan format and the link protocol."""
import struct

import pytest

from hil.c_layout import CTYPES, CHeader, CHeaderError
from hil.link.protocol import HEADER_PATH as LINK_HEADER
from hil.compiler.plan_format import HEADER_DIR as PLAN_HEADER_DIR

HEADER = r"""/* A small header in the style of th_plan_format.h:
 * a comment over two lines, so line numbers must survive comment removal. */
#ifndef DEMO_H
#define DEMO_H
#define DEMO_MAGIC 0x4C504854u /* "THPL" */
#define DEMO_COUNT 12
// a line comment
#define DEMO_KIND_LIST(X) \
    X(FIRST, 1)           \
    X(SECOND, 0x10) /* hex, with a comment */

#define DEMO_RECORD_FIELDS(F)   \
    F(uint8_t, kind)            \
    F(uint8_t, flags) F(uint16_t, length) \
    F(int32_t, value) /* signed */ \
    F(uint64_t, ticks)
#define DEMO_TABLE(X) X(A, 1, 4) /* a comment that
                                      goes on */ X(B, 2, 8)
#endif
"""


def test_defines_lists_and_record_fields_from_a_header():
    h = CHeader(HEADER, "demo.h")
    assert h.define("DEMO_MAGIC") == 0x4C504854
    assert h.define("DEMO_COUNT") == 12
    assert h.id_list("DEMO_KIND_LIST") == {"FIRST": 1, "SECOND": 16}
    assert h.int_entries("DEMO_TABLE", 3) == {"A": (1, 4), "B": (2, 8)}
    record = h.struct_layout("DEMO_RECORD_FIELDS")
    assert record.names == ("kind", "flags", "length", "value", "ticks")
    assert record.codes == "BBHiQ"
    assert record.size == struct.calcsize("<BBHiQ") == 16
    assert [f.line for f in record.fields] == [13, 14, 14, 15, 16]   # where each field is declared
    assert list(h.struct_layouts(r"DEMO_(\w+)_FIELDS")) == ["RECORD"]


def test_a_malformed_field_names_the_file_line_and_macro():
    bad = HEADER.replace("F(int32_t, value)", "F(int32_t value)")
    with pytest.raises(CHeaderError, match=r"^demo\.h:15: DEMO_RECORD_FIELDS: malformed entry 'F\(int32_t value\)'"):
        CHeader(bad, "demo.h").struct_layout("DEMO_RECORD_FIELDS")


def test_text_that_is_not_an_entry_names_its_line():
    bad = HEADER.replace("F(uint16_t, length)", "F(uint16_t, length) uint16_t pad;")
    with pytest.raises(CHeaderError, match=r"^demo\.h:14: DEMO_RECORD_FIELDS: unexpected 'uint16_t pad;"):
        CHeader(bad, "demo.h").struct_layout("DEMO_RECORD_FIELDS")


def test_an_unsupported_field_type_names_the_field_and_its_line():
    bad = HEADER.replace("F(uint64_t, ticks)", "F(float, ticks)")
    with pytest.raises(CHeaderError, match=r"^demo\.h:16: DEMO_RECORD_FIELDS: field ticks has unsupported type float"):
        CHeader(bad, "demo.h").struct_layout("DEMO_RECORD_FIELDS")


def test_missing_and_non_integer_definitions_are_one_line_errors():
    h = CHeader(HEADER.replace("X(SECOND, 0x10)", "X(SECOND, 0xZZ)"), "demo.h")
    with pytest.raises(CHeaderError, match=r"^demo\.h: no #define DEMO_ABSENT$"):
        h.define("DEMO_ABSENT")
    with pytest.raises(CHeaderError, match=r"^demo\.h:10: DEMO_KIND_LIST: SECOND: 0xZZ is not a list of integers$"):
        h.id_list("DEMO_KIND_LIST")
    with pytest.raises(CHeaderError, match=r"^demo\.h:5: DEMO_MAGIC: not a list macro"):
        h.id_list("DEMO_MAGIC")
    with pytest.raises(CHeaderError, match=r"^demo\.h:8: DEMO_KIND_LIST: a function-like macro, not an integer$"):
        h.define("DEMO_KIND_LIST")
    with pytest.raises(CHeaderError, match=r"^demo\.h:4: DEMO_H: '' is not an integer$"):
        h.define("DEMO_H")
    with pytest.raises(CHeaderError, match=r"expected 3 arguments"):
        h.int_entries("DEMO_KIND_LIST", 3)


def test_the_project_headers_read_cleanly():
    """Every list the two headers declare is well formed (not just the ones read today)."""
    for path in (LINK_HEADER, PLAN_HEADER_DIR / "th_plan_format.h", PLAN_HEADER_DIR / "th_status.h"):
        h = CHeader.from_path(path)
        lists = [m for m in h.macros.values() if m.params and len(m.params) == 1 and m.name.endswith(("_LIST", "_FIELDS"))]
        assert lists, path
        for m in lists:
            if m.name.endswith("_FIELDS"):
                assert set(f.ctype for f in h.struct_layout(m.name).fields) <= set(CTYPES), m.name
            else:
                assert h.entries(m.name), m.name
