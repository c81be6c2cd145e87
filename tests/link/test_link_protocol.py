"""The link protocol: the Python side (hil/link_protocol.py) against the C side
(firmware/protocol/th_link_frame.c, compiled for the host with sanitizers)."""
from __future__ import annotations

import random
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from hil.link.garbage import link_garbage
from hil.link.protocol import FrameDecoder, crc8, encode_frame, load_protocol
from hil.paths import FIRMWARE_DIR

PROTOCOL_DIR = FIRMWARE_DIR / "protocol"

# A host program around th_link_frame.c:
#   pack            every payload codec, fields filled with a known pattern, as hex
#   encode T S HEX  one frame
#   decode FILE     push FILE's bytes through the receiver, print what comes out
HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "th_link_frame.h"

#define FILL(type, name) s.name = (type)(uint64_t)(0x0101010101010101ull * ++k);
#define PACK_ONE(what, ctype, list)                                         \
    {                                                                       \
        ctype s; uint64_t k = 0; uint8_t out[256];                          \
        list(FILL)                                                          \
        uint32_t n = th_link_put_##what(out, sizeof out, &s);               \
        ctype back; memset(&back, 0, sizeof back);                          \
        if (th_link_get_##what(out, n, &back) != n ||                       \
            th_link_get_##what(out, n - 1, &back) != 0) return 2;           \
        printf("%s %u ", #list, (unsigned)TH_LINK_WIRE_SIZE(list));         \
        for (uint32_t i = 0; i < n; ++i) printf("%02x", out[i]);            \
        printf("\n");                                                       \
    }

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "pack")) {
        TH_LINK_CODECS(PACK_ONE)
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "encode")) {
        static uint8_t frame[TH_LINK_FRAME_MAX];
        uint32_t len = (uint32_t)strlen(argv[4]) / 2;
        for (uint32_t i = 0; i < len; ++i)
            frame[TH_LINK_HEADER_BYTES + i] = (uint8_t)(hexval(argv[4][2 * i]) << 4 | hexval(argv[4][2 * i + 1]));
        uint32_t n = th_link_encode_frame(frame, sizeof frame, (uint8_t)atoi(argv[2]), (uint8_t)atoi(argv[3]), len);
        for (uint32_t i = 0; i < n; ++i) printf("%02x", frame[i]);
        printf("\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "decode")) {
        FILE *f = fopen(argv[2], "rb");
        static th_link_rx rx;
        th_link_rx_reset(&rx);
        int c;
        while ((c = fgetc(f)) != EOF) {
            th_link_rx_result r = th_link_rx_push(&rx, (uint8_t)c);
            if (r == TH_LINK_RX_FRAME) {
                printf("F %u %u ", rx.type, rx.seq);
                for (uint32_t i = 0; i < rx.length; ++i) printf("%02x", th_link_rx_payload(&rx)[i]);
                printf("\n");
            } else if (r == TH_LINK_RX_ERROR) {
                printf("E %u %u %u %u\n", rx.error, rx.type, rx.seq, (unsigned)rx.detail);
            }
        }
        printf("in_frame %d\n", th_link_rx_in_frame(&rx));
        fclose(f);
        return 0;
    }
    return 1;
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("no host gcc")
    d = tmp_path_factory.mktemp("link_harness")
    (d / "harness.c").write_text(HARNESS)
    exe = d / "harness"
    subprocess.run(["gcc", "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
                    "-fno-sanitize-recover=all", "-I", str(PROTOCOL_DIR), "-o", str(exe), str(d / "harness.c"),
                    str(PROTOCOL_DIR / "th_link_frame.c")], check=True, capture_output=True)
    return exe


def run(exe: Path, *args: str) -> str:
    return subprocess.run([str(exe), *args], check=True, capture_output=True, text=True).stdout


def _pattern(layout) -> bytes:
    """What the harness's FILL macro puts in each field, packed by Python."""
    values = {}
    for k, (name, code) in enumerate(layout.fields, start=1):
        bits = struct.calcsize(code) * 8
        v = (0x0101010101010101 * k) & ((1 << bits) - 1)
        if code.islower() and v >= 1 << (bits - 1):
            v -= 1 << bits
        values[name] = v
    return layout.pack(**values)


def test_every_payload_layout_agrees_with_the_c_codecs(harness):
    p = load_protocol()
    c_codecs = {}
    for line in run(harness, "pack").splitlines():
        fields_list, size, data = line.split()   # e.g. TH_LINK_INFO_FIELDS
        c_codecs[fields_list[len("TH_LINK_"):-len("_FIELDS")]] = (int(size), bytes.fromhex(data))
    assert set(c_codecs) == set(p.layouts)   # every list has a C codec and vice versa
    for name, layout in p.layouts.items():
        size, data = c_codecs[name]
        assert layout.size == size == len(data), name
        assert _pattern(layout) == data, name


def test_frames_encode_identically(harness):
    rng = random.Random(1)
    for length in (0, 1, 7, 100, 1024):
        payload = rng.randbytes(length)
        c = run(harness, "encode", "3", "200", payload.hex()).strip()
        assert bytes.fromhex(c) == encode_frame(3, 200, payload)


def test_header_crc_is_crc8_smbus():
    assert crc8(b"123456789") == 0xF4


def _decode(harness, tmp_path, stream: bytes) -> list[str]:
    f = tmp_path / "stream.bin"
    f.write_bytes(stream)
    return run(harness, "decode", str(f)).splitlines()


def test_c_receiver_errors(harness, tmp_path):
    p = load_protocol()
    err = p.errors
    good = encode_frame(1, 9, b"abc")
    bad_crc = bytearray(good)
    bad_crc[8] ^= 1
    too_long = bytearray([p.sof, p.version, 1, 4]) + struct.pack("<H", 2000)
    too_long += bytes([crc8(too_long)])
    wrong_version = bytearray([p.sof, 7, 1, 5, 0, 0])
    wrong_version += bytes([crc8(wrong_version)])
    bad_header = bytes([p.sof, 1, 2, 3, 4, 5, 6])
    out = _decode(harness, tmp_path, bytes(bad_crc) + bytes(too_long) + bytes(wrong_version) + bad_header + good)
    assert out == [f"E {err['BAD_CRC']} 1 9 {zlib.crc32(good[:-4])}",
                   f"E {err['TOO_LONG']} 1 4 2000",
                   f"E {err['BAD_VERSION']} 1 5 7",
                   f"E {err['BAD_HEADER']} 255 0 0",
                   "F 1 9 616263", "in_frame 0"]


def test_a_frame_hidden_in_a_bad_header_is_still_found(harness, tmp_path):
    # The receiver rescans the bytes of a rejected header for the next SOF.
    good = encode_frame(2, 3, b"")
    out = _decode(harness, tmp_path, bytes([0xA5, 0x00]) + good)
    assert out[-2:] == ["F 2 3 ", "in_frame 0"]


def test_c_receiver_survives_garbage_and_resyncs(harness, tmp_path):
    """Random and mutated frames never crash the receiver (ASan/UBSan), and a
    flush of max-frame-length zero bytes always brings it back (Link.resync)."""
    p = load_protocol()
    flush = bytes(p.header_bytes + p.max_payload + p.trailer_bytes)
    # Every frame type, payloads up to 40 bytes, the first four kinds of mutation.
    stream = link_garbage(p, 2000, seed=7, types=list(range(256)), max_payload=40, mutations=4)
    marker = encode_frame(0x42, 0x42, b"end")
    out = _decode(harness, tmp_path, stream + flush + marker)
    assert out[-2:] == ["F 66 66 656e64", "in_frame 0"]


def test_python_decoder_skips_garbage():
    rng = random.Random(3)
    frames = [encode_frame(1, i, rng.randbytes(i)) for i in range(1, 50)]
    stream = b"".join(rng.randbytes(rng.randrange(5)).replace(b"\xa5", b"") + f for f in frames)
    decoder = FrameDecoder()
    got = []
    for i in range(0, len(stream), 13):   # arbitrary split points
        got += decoder.feed(stream[i:i + 13])
    assert [f.seq for f in got] == list(range(1, 50))


# --- plan slots: where Link.load_plan puts a plan -----------------------------

def _info(pool: int, flash: int):
    from hil.link import BoardInfo
    return BoardInfo(2, 1024, (1, 0), True, 1, 32, 0, 0x20002000, pool, 0,
                     0x08080000 if flash else 0, flash)


def test_slot_list_and_load_begin_carry_the_slot():
    p = load_protocol()
    assert p.slots == {"RAM": 0, "FLASH": 1}
    assert "slot" in p.layouts["LOAD_BEGIN"].names and "slot" in p.layouts["LOAD_END_REPLY"].names
    assert {"flash_slot_address", "flash_slot_bytes"} <= set(p.layouts["INFO"].names)
    assert {"plan_slot", "plan_address", "flash_slot_bytes"} <= set(p.layouts["MEMORY_REPLY"].names)
    assert {"SLOT_READ_ONLY", "NO_SLOT"} <= set(p.errors)


def test_flash_is_preferred_when_a_debugger_can_write_it():
    from hil.link import PlanNeeds, choose_slot
    vww = PlanNeeds(246_324, 55_296, 31)
    kws = PlanNeeds(31_084, 16_000, 13)
    stm32f4 = _info(pool=120_000, flash=512 << 10)
    assert choose_slot(kws, stm32f4, can_write_flash=True) == "FLASH"
    assert choose_slot(kws, stm32f4, can_write_flash=False) == "RAM"     # over the UART: RAM only
    assert choose_slot(kws, _info(120_000, 0), can_write_flash=True) == "RAM"
    assert choose_slot(kws, stm32f4, can_write_flash=True, want="RAM") == "RAM"
    assert choose_slot(vww, stm32f4, can_write_flash=True) == "FLASH"
    # The pool: RAM slot = plan + arena + counts (16-byte aligned), FLASH slot = arena + counts.
    assert vww.pool_bytes_in_flash == 55_296 + 31 * 8
    assert vww.pool_bytes_in_ram == 246_336 + 55_296 + 31 * 8


def test_a_plan_that_fits_no_slot_names_plan_and_capacities():
    from hil.link import PlanNeeds, PlanTooBig, choose_slot
    vww = PlanNeeds(246_324, 55_296, 31)
    with pytest.raises(PlanTooBig) as exc:
        choose_slot(vww, _info(120_000, 0), can_write_flash=True, board="qemu-x")
    assert str(exc.value) == ("qemu-x: the plan (246,324 B, arena 55,296 B, 31 ops) does not fit any plan slot: "
                              "no flash slot on this board; RAM slot: plan + arena + per-op counts need "
                              "301,880 B of the 120,000 B RAM pool")
    assert exc.value.code == "PLAN_TOO_BIG" and exc.value.capacities == {"RAM": 120_000, "FLASH": 0}
    with pytest.raises(PlanTooBig, match=r"flash slot: 524,288 B for the plan.*\(not usable here: no debugger"):
        choose_slot(vww, _info(120_000, 512 << 10), can_write_flash=False)
    with pytest.raises(PlanTooBig, match="does not fit the FLASH slot; flash slot: 131,072 B"):
        choose_slot(vww, _info(120_000, 128 << 10), can_write_flash=True, want="FLASH")


def test_plan_needs_reads_the_plan_header():
    from hil.link import PlanNeeds
    from hil.compiler.plan_format import plan_format
    fmt = plan_format()
    head = fmt.header.pack(**{**{f: 0 for f in fmt.header.fields}, "magic": fmt.magic,
                              "arena_bytes": 4096, "num_ops": 5})
    assert PlanNeeds.of(head + bytes(100)) == PlanNeeds(len(head) + 100, 4096, 5)
    assert PlanNeeds.of(b"\x00" * 300) == PlanNeeds(300)          # not a plan: the board will say so
    assert PlanNeeds.of(b"abc") == PlanNeeds(3)
