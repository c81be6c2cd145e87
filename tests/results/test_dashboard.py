"""The static HTML dashboard: self-contained, escaped, and every chart drawn in a real browser."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from hil.results import BaselineFile, GitState, ResultsStore
from hil.results.cli import board_limits
from hil.results.dashboard import build_dashboard, commit_points, write_dashboard

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
COMMITS = [c * 40 for c in "123456"]
VWW_OPS = ["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 13 + ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                                                                 "SOFTMAX"]
KWS_OPS = ["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 4 + ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                                                                "SOFTMAX"]
LIMITS = {"qemu-netduinoplus2": {"ram_bytes": 131_072, "flash_bytes": 1_048_576},
          "qemu-mps2-an386": {"ram_bytes": 4_194_304}}   # flash limit unknown: bars without a limit line
# Pairs with instruction counts get a trend and a per-op chart; every pair gets memory bars.
EXPECTED_CHARTS = {("trend", 1), ("per-op", 1), ("memory", 1), ("trend", 2), ("per-op", 2), ("memory", 2),
                   ("memory", 0)}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def per_op(names: list[str], total: int) -> list[dict]:
    weights = [(3 if n == "CONV_2D" else 2 if n == "DEPTHWISE_CONV_2D" else 0.2) * (1 + i % 5 / 4)
               for i, n in enumerate(names)]
    return [{"index": i, "type": n, "instructions": int(total * w / sum(weights))}
            for i, (n, w) in enumerate(zip(names, weights))]


def populate(store: ResultsStore) -> None:
    """Six commits of history for two emulated (board, model) pairs and the host; vww regresses
    at the third commit, kws at the last (slower, bigger arena, two outputs off TFLM)."""
    vww = [24_100_000, 24_100_000, 25_000_000, 24_350_000, 24_300_000, 24_300_000]
    kws = [3_210_000, 3_190_000, 3_190_000, 3_150_000, 3_150_000, 3_420_000]
    for i, commit in enumerate(COMMITS):
        last = i == len(COMMITS) - 1
        for board, model, ops, count, memory in (
                ("qemu-netduinoplus2", "vww", VWW_OPS, vww[i], (55_296, 3_104, 101_400, 412_000)),
                ("qemu-mps2-an386", "kws", KWS_OPS, kws[i], (18_048 if last else 16_000, 2_488, 60_000, 98_000))):
            wrong = model == "kws" and last
            result = {"board": board, "model": model, "model_sha256": "ab" * 32, "plan_sha256": "cd" * 32,
                      "inferences": 20, "byte_equal": 18 if wrong else 20, "top1_agree": 20,
                      "max_abs_diff": 1 if wrong else 0, "instructions": [count] * 20, "per_op": per_op(ops, count),
                      "arena_bytes": memory[0], "stack_bytes": memory[1], "ram_bytes": memory[2],
                      "flash_bytes": memory[3], "plan_bytes": 330_112, "macs": 7_489_664}
            store.record_result(result, build_flags="-O2 -mcpu=cortex-m4", toolchain="arm-none-eabi-gcc 12.2.1",
                                git=GitState(commit, last), time_utc=T0 + timedelta(hours=i))
        store.record_result({"board": "host", "model": "kws", "inferences": 20, "byte_equal": 20, "top1_agree": 20,
                             "max_abs_diff": 0, "arena_bytes": 16_000, "plan_bytes": 80_000},
                            git=GitState(commit, False), time_utc=T0 + timedelta(hours=i, minutes=5))


@pytest.fixture
def history(tmp_path):
    with ResultsStore(tmp_path / "results.sqlite") as store:
        populate(store)
        baselines = BaselineFile(tmp_path / "baselines.json")
        baselines.set_baseline(store.runs("qemu-netduinoplus2", "vww")[1])
        baselines.set_baseline(store.runs("qemu-mps2-an386", "kws")[3])
        baselines.save()
        yield store, baselines


class ChartCollector(HTMLParser):
    """Chart containers (elements with data-chart) and the SVG shapes drawn inside each."""

    SHAPES = {"path", "rect", "circle", "line", "polyline", "polygon"}

    def __init__(self):
        super().__init__()
        self.charts: list[dict] = []
        self._open: dict | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._open is None and "data-chart" in attrs:
            self._open = {"kind": attrs["data-chart"], "pair": int(attrs["data-pair"]),
                          "rendered": attrs.get("data-rendered"), "shapes": 0, "svg": 0, "text": ""}
            self.charts.append(self._open)
            self._depth = 1
        elif self._open is not None:
            self._depth += tag == "div"  # chart containers are divs; only divs can close them
            self._open["shapes"] += tag in self.SHAPES
            self._open["svg"] += tag == "svg"

    def handle_endtag(self, tag):
        if self._open is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def charts_in(page: str) -> list[dict]:
    collector = ChartCollector()
    collector.feed(page)
    return collector.charts


def test_page_is_self_contained(history):
    store, baselines = history
    page = build_dashboard(store, LIMITS, baselines)
    assert not re.search(r"<link|<script[^>]+src=|@import|@font-face|url\(", page, re.I)
    # The only URL is the SVG namespace the script creates elements in, never fetched.
    assert set(re.findall(r"https?://[^\s\"'`)]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "{{" not in page and "dashboard.css" not in page


def test_every_chart_has_a_container_and_data(history):
    store, baselines = history
    page = build_dashboard(store, LIMITS, baselines)
    charts = charts_in(page)
    assert {(c["kind"], c["pair"]) for c in charts} == EXPECTED_CHARTS
    assert all(c["rendered"] == "0" and c["shapes"] == 0 for c in charts)  # drawn only by the script
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1))
    assert [(p["board"], p["model"]) for p in data["pairs"]] == [("host", "kws"), ("qemu-mps2-an386", "kws"),
                                                                ("qemu-netduinoplus2", "vww")]
    vww = data["pairs"][2]
    assert [p["regressed"] for p in vww["trend"]["points"]] == [False, False, True, False, False, False]
    assert vww["trend"]["baseline"] == {"value": 24_100_000, "label": "baseline 22222222"}
    assert vww["trend"]["points"][-1]["label"] == "66666666+"
    assert len(vww["perOp"]["ops"]) == len(VWW_OPS)
    ram, flash = vww["memory"]["groups"]
    assert (ram["limit"], flash["limit"]) == (131_072, 1_048_576)
    assert [b["name"] for b in ram["bars"]] == ["arena", "stack", "RAM used"]
    assert data["pairs"][1]["memory"]["groups"][1]["limit"] is None       # unknown: no limit line
    assert data["pairs"][0]["trend"] is None and data["pairs"][0]["perOp"] is None
    # The tables: the kws slowdown and bigger arena, its gate, and its golden mismatch.
    assert '<span class="delta worse" title="3,150,000 at 55555555 -&gt; 3,420,000 at 66666666+' in page
    assert '4 regressed</span>' in page and '>pass</span>' in page and '>no baseline</span>' in page
    assert "2 of 20 differ" in page and page.count(">golden</span>") == 2


def test_names_are_escaped(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.record_result({"board": "host", "model": "</script><b>x</b>", "arena_bytes": 1, "inferences": 1,
                             "byte_equal": 1}, git=GitState(None, None))
        page = build_dashboard(store)
    assert "</script><b>" not in page
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page and "\\u003c/script\\u003e" in page


def test_empty_store(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        page = build_dashboard(store)
    assert "No runs recorded yet." in page and charts_in(page) == []


def test_commit_points_collapse_repeated_runs(history):
    store, _ = history
    with store.begin_run(board="host", model_name="kws", git=GitState(COMMITS[-1], False),
                         time_utc=T0 + timedelta(days=1)) as run:
        run.record_metrics({"arena_bytes": 16_384})
    points = commit_points(store.runs("host", "kws"), "arena_bytes")
    assert [p.label for p in points] == [c[:8] for c in COMMITS]
    assert (points[-1].runs, points[-1].value) == (2, 16_384)


def test_board_limits_come_from_the_board_files():
    limits = board_limits(["qemu-netduinoplus2", "host", "qemu-nosuchboard"])
    assert limits == {"qemu-netduinoplus2": {"ram_bytes": 131_072, "flash_bytes": 1_048_576}}


def test_cli_writes_the_dashboard(history, tmp_path, capsys):
    from hil.cli import main

    store, baselines = history
    out = tmp_path / "site" / "index.html"
    assert main(["dashboard", "--db", str(store.path), "--baselines", str(baselines.path), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert {(c["kind"], c["pair"]) for c in charts_in(out.read_text())} == EXPECTED_CHARTS


# -- in a real browser ------------------------------------------------------------------------------

@pytest.fixture
def chromium(tmp_path):
    executable = next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)
    if executable is None:
        pytest.skip("chromium is not installed (Debian package 'chromium'; the setup script installs it)")

    def run(*args: str) -> subprocess.CompletedProcess:
        profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
        # The background-networking flags keep headless Chromium from hanging on network lookups.
        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=180)
    return run


def test_every_chart_is_drawn_in_chromium(history, tmp_path, chromium):
    store, baselines = history
    page = write_dashboard(store, tmp_path / "dashboard.html", LIMITS, baselines)

    dom = chromium("--window-size=1280,2000", "--dump-dom", page.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    charts = charts_in(dom.stdout)
    assert {(c["kind"], c["pair"]) for c in charts} == EXPECTED_CHARTS
    for chart in charts:
        where = f"{chart['kind']} chart of pair {chart['pair']}"
        assert chart["rendered"] == "1", f"{where} not drawn: {chart['text'][:200]}"
        assert chart["svg"] == 1 and chart["shapes"] > 0, where
    by_kind = {(c["kind"], c["pair"]): c for c in charts}
    assert by_kind[("per-op", 2)]["shapes"] >= 2 * len(VWW_OPS)           # a track and a bar per op
    assert "limit 128 KiB" in by_kind[("memory", 2)]["text"]
    assert "limit unknown" in by_kind[("memory", 1)]["text"]
    assert "3,420,000" in by_kind[("trend", 1)]["text"] and "+8.6%" in by_kind[("trend", 1)]["text"]

    screenshot = tmp_path / "dashboard.png"
    shot = chromium("--window-size=1280,3200", f"--screenshot={screenshot}", page.resolve().as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 3200)
    assert len(png) > 50_000  # a drawn page, not a blank one
