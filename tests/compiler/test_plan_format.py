"""The plan layout the Python compiler writes is the one the C runtime reads."""
import subprocess

from hil.paths import KERNELS_DIR
from hil.compiler.plan_format import plan_format


def _c_layout(tmp_path, record_type: str, fields) -> list[tuple[int, int]]:
    """offsetof and sizeof of each field, as the host C compiler lays the struct out."""
    body = "\n".join(f'printf("%zu %zu\\n", offsetof({record_type}, {f}), sizeof(((({record_type} *)0)->{f})));'
                     for f in fields)
    src = tmp_path / "layout.c"
    src.write_text(f'#include <stddef.h>\n#include <stdio.h>\n#include "tinyhil/th_plan_format.h"\n'
                   f'int main(void) {{ {body} printf("%zu 0\\n", sizeof({record_type})); return 0; }}\n')
    exe = tmp_path / "layout"
    subprocess.run(["gcc", "-std=c99", "-I", str(KERNELS_DIR / "include"), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    return [tuple(map(int, line.split())) for line in out if line]


def _python_layout(record) -> list[tuple[int, int]]:
    import struct
    layout, offset = [], 0
    for code in record.codes:
        size = struct.calcsize("<" + code)
        layout.append((offset, size))
        offset += size
    return layout + [(record.size, 0)]


def test_records_have_identical_layout_in_c_and_python(tmp_path):
    fmt = plan_format()
    for record, c_type in ((fmt.header, "th_plan_header"), (fmt.tensor, "th_tensor_record"),
                           (fmt.op, "th_op_record")):
        assert _c_layout(tmp_path, c_type, record.fields) == _python_layout(record), c_type


def test_op_params_are_int32_only_so_layout_is_target_independent():
    for op, record in plan_format().op_params.items():
        assert set(record.codes) <= {"i", "I"}, op


def test_every_engine_op_has_a_prepare_function():
    from hil.compiler.ops import PREPARE
    assert set(plan_format().op_ids) <= set(PREPARE)


def test_engine_op_ids_are_tflite_builtin_codes():
    """th_plan_format.h says a plan speaks TFLite's vocabulary: every id is the schema's code."""
    from hil.compiler.op_support import builtin_ops
    codes = builtin_ops()
    assert {name: codes.get(name) for name in plan_format().op_ids} == plan_format().op_ids


def _c_decoded_quant(tmp_path, fields: dict, words: bytes, shifts: bytes) -> list[tuple[int, int]]:
    """Each entry as th_quant_at (th_kernels.h) decodes the encoded form."""
    import struct
    count = len(words) // 4
    word_list = ", ".join(f"{w}u" for w in struct.unpack(f"<{count}I", words))
    shift_list = ", ".join(str(s) for s in struct.unpack(f"<{len(shifts)}b", shifts)) or "0"
    src = tmp_path / "quant.c"
    src.write_text(
        '#include <stdio.h>\n#include "tinyhil/th_kernels.h"\n'
        f"static const uint32_t words[] = {{{word_list}}};\nstatic const int8_t shifts[] = {{{shift_list}}};\n"
        f"int main(void) {{ (void)shifts; th_channel_quant q = {{words, {'shifts' if shifts else 'NULL'}, {count}, "
        f"{fields['shift_base']}}};\n"
        f'for (int32_t i = 0; i < {count}; ++i) {{ th_quant e = th_quant_at(&q, i); '
        'printf("%ld %ld\\n", (long)e.multiplier, (long)e.shift); }\nreturn 0; }\n')
    exe = tmp_path / "quant"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-I", str(KERNELS_DIR / "include"), str(src), "-o",
                    str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    return [tuple(map(int, line.split())) for line in out if line]


def test_channel_quant_forms_decode_exactly_in_c(tmp_path):
    """The packed form (one word an entry) where the shifts span at most four values and no
    multiplier is 0, the wide one (a word and an int8 shift) otherwise: th_quant_at gives back
    every multiplier and shift."""
    from hil.compiler.plan_writer import encode_channel_quant
    packed = plan_format().packed_shifts
    top = (1 << 31) - 1
    cases = [
        ([1 << 30, top, 1234567890, 1 << 30], [-10, -7, -9, -8], True),     # span 4: packed
        ([top], [30], True),                                                 # per tensor, the largest shift
        ([1 << 30, top], [-31, -28], True),
        ([1 << 30, top, 1 << 30], [-10, -6, -8], False),                     # span 5: wide
        ([1 << 30, 0], [-8, 0], False),                                      # a zero multiplier: wide
        ([top, 1 << 30], [-31, 30], False),
    ]
    for multipliers, shifts, is_packed in cases:
        fields, words, shifts8 = encode_channel_quant(multipliers, shifts, packed)
        assert (fields.get("shifts_offset") == packed) == is_packed
        assert len(words) == 4 * len(multipliers) and len(shifts8) == (0 if is_packed else len(shifts))
        assert _c_decoded_quant(tmp_path, fields, words, shifts8) == list(zip(multipliers, shifts))
