*** Settings ***
Documentation     Smoke test, seconds on any board: a one-op FULLY_CONNECTED model loads,
...               runs byte-equal with TFLM and stays within its budgets.
Resource          resources/common.resource
Suite Setup       Open Board And Load Model    ${MODEL}
Suite Teardown    Close Board


*** Variables ***
# A generated 64 -> 16 FULLY_CONNECTED + RELU (written to models/generated on demand).
${MODEL}               fully_connected/per_tensor_relu
# Instructions: the budget of this board and model is its baseline in baselines.json plus
# that baseline's tolerance (Instructions Should Be Within Baseline reads both).
# Arena: the 64 B input and the 16 B output are live at once, so 80 B is the live lower bound
# and the planner reaches it: the limit allows nothing more.
${MAX_ARENA}           81
# Half the 8 KiB stack the STM32F4 image reserves (the engine takes 1-3 KiB today).
${MAX_STACK}           4096


*** Test Cases ***
Model Fits The Board
    Model Should Fit Board

Golden Agreement On Two Seeded Inputs
    Run Seeded Inferences    count=2    seed=0
    Outputs Should Match Golden

Instructions Within Budget
    Instructions Should Be Within Baseline

Arena Within Budget
    Arena Should Be Below    ${MAX_ARENA}

Stack Within Budget
    Stack Should Be Below    ${MAX_STACK}
