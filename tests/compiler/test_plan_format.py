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
