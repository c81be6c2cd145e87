*** Settings ***
Documentation     Anomaly detection (MLPerf Tiny ad, ToyCar dense autoencoder, 640 -> 640):
...               golden agreement with TFLM on seeded inputs,
...               instructions, memory, and the result recorded and gated against its baseline.
Resource          resources/common.resource
Suite Setup       Open Board And Load Model    ${MODEL}
Suite Teardown    Close Board


*** Variables ***
# ad: the real model in ../shared/models where present, else the generated stand-in.
${MODEL}               ad
# Instructions: the budget of this board and model is its baseline in baselines.json plus
# that baseline's tolerance (Instructions Should Be Within Baseline reads both).
# The live lower bound of ad's activations is 768 B.
${MAX_ARENA}           1024
# Half the 8 KiB stack the STM32F4 image reserves (the engine takes 1-3 KiB today).
${MAX_STACK}           4096


*** Test Cases ***
Model Fits The Board
    Model Should Fit Board

Golden Agreement On 20 Seeded Inputs
    Run Seeded Inferences    count=20    seed=0
    Outputs Should Match Golden

Instructions Within Budget
    Instructions Should Be Within Baseline

Arena Within Budget
    Arena Should Be Below    ${MAX_ARENA}

Stack Within Budget
    Stack Should Be Below    ${MAX_STACK}

Result Recorded And Not Regressed
    Record Result
    Metrics Should Not Regress
