#!/usr/bin/env bash
# Record the runs the regression baselines come from, from clean clones of HEAD,
# then move robot_suites/baselines.json to them (`hil baseline update`).
#
#   scripts/record_baselines.sh            # every board and model the baselines hold
#
# The real MLPerf Tiny models run from a clone beside ../shared; their generated
# stand-ins (vww, kws, ic, ad) from a clone where ../shared is absent.  Baselines
# name the commit they were recorded at, so the tree must be committed first.
# Afterwards review `git diff robot_suites/baselines.json` and commit it saying why.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py="$repo/.venv/bin/python"
if ! git -C "$repo" diff --quiet HEAD; then
    echo "record_baselines: commit first (a baseline names a clean commit)" >&2
    exit 1
fi
scratch=$(mktemp -d)
beside_shared="$(dirname "$repo")/.tinyhil-baselines-$$"   # ../shared of this clone is the repo's
trap 'rm -rf "$scratch" "$beside_shared"' EXIT
db="$scratch/results.sqlite"
git clone -q "$repo" "$beside_shared"
git clone -q "$repo" "$scratch/standins"                   # ../shared is absent here

suites() {   # CLONE BOARD SUITE...
    local clone=$1 board=$2
    shift 2
    echo "[baselines] $board: $* ($( [ "$clone" = "$beside_shared" ] && echo real models || echo stand-ins))"
    (cd "$clone" && PYTHONPATH="$clone" "$py" -m robot --console dotted --outputdir "$scratch/out-$board-$RANDOM" \
        --variable "BOARD:$board" --variable "RESULTS_DB:$db" "$@" >/dev/null) ||
        echo "[baselines] some tests failed on $board; the gate of a moved metric fails until the update" >&2
}

# The smoke suite's model (it gates against a baseline but records nothing itself): its two
# seeded inferences, recorded.
smoke="$scratch/smoke_record.robot"
cat > "$smoke" <<ROBOT
*** Settings ***
Resource          $beside_shared/robot_suites/resources/common.resource
Suite Setup       Open Board And Load Model    fully_connected/per_tensor_relu
Suite Teardown    Close Board

*** Test Cases ***
Smoke Model Recorded
    Run Seeded Inferences    count=2    seed=0
    Record Result
ROBOT

models=(robot_suites/vww.robot robot_suites/kws.robot robot_suites/ic.robot robot_suites/ad.robot)
for board in host qemu-netduinoplus2 qemu-mps2-an386 qemu-mps3-an547; do
    suites "$beside_shared" "$board" "${models[@]}" "$smoke"
    suites "$scratch/standins" "$board" "${models[@]}"
done
suites "$beside_shared" renode-netduinoplus2 "${models[@]}"
suites "$beside_shared" renode-mps2-an386 robot_suites/vww.robot

"$py" -m hil.cli baseline update --db "$db" --baselines "$repo/robot_suites/baselines.json"
