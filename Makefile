# The front door: `make vww` runs the main job, `make test` the whole test suite.
# Both set up what they need first (Debian packages, virtualenv), idempotently.
VENV := .venv
PY := $(VENV)/bin/python
# The virtualenv's tools first, so recipes (and what they start: pabot starts
# `robot` by name) work from a plain shell with no activated virtualenv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
PYTEST_ARGS ?=

.PHONY: setup check-setup test vww suites fuzz clean

setup:
	@bash scripts/setup.sh

# Verify every capability (toolchains, sanitizer runtimes, QEMU plugins, ...) without installing.
check-setup:
	@bash scripts/setup.sh --check

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The main job: `robot robot_suites/vww.robot` on the default emulated board
# (BOARD=... to pick another), then a summary table, the report and the dashboard.
BOARD ?=
vww: setup
	$(VENV)/bin/hil suite robot_suites/vww.robot $(if $(BOARD),--board $(BOARD))

# Every model suite, two at a time (pabot), each on its own emulator.
# SUITES_OUT picks the output folder; ROBOT_ARGS passes more options to robot.
SUITES_OUT ?= out/pabot
ROBOT_ARGS ?=
suites: setup
	$(VENV)/bin/pabot --processes 2 --outputdir $(SUITES_OUT) --xunit xunit.xml $(if $(BOARD),--variable BOARD:$(BOARD)) \
	    $(ROBOT_ARGS) robot_suites/vww.robot robot_suites/kws.robot robot_suites/ic.robot robot_suites/ad.robot

# libFuzzer over the plan loader (clang); runs until stopped, or FUZZ_RUNS times.
FUZZ_RUNS ?= 100000
fuzz: setup
	$(PY) -m hil.engine.fuzz --libfuzzer --runs $(FUZZ_RUNS)

clean:
	rm -rf build out .pytest_cache
