*** Settings ***
Documentation     What goes wrong must be refused with a clear error, and the board must answer
...               afterwards: a file that is not a model, a truncated model, an op the engine
...               does not implement, a plan whose arena is too small, a model too big for the
...               board, and garbage on the link.
Resource          resources/common.resource
Suite Setup       Open Board    ${BOARD}
Suite Teardown    Close Board


*** Variables ***
# A small model that must keep running between the failures.
${MODEL}          fully_connected/per_tensor_relu


*** Test Cases ***
Good Model Runs
    Load Model    ${MODEL}
    Model Should Fit Board
    Run Inference
    Outputs Should Match Golden

File That Is Not A Model Is Refused
    ${path} =    Create Corrupt Model File    garbage
    Load Model Should Fail With    is not a TFLite model    ${path}
    Board Should Still Answer

Truncated Model Is Refused
    ${path} =    Create Corrupt Model File    truncated
    Load Model Should Fail With    is not a readable TFLite model    ${path}
    Board Should Still Answer

Unsupported Op Is Refused With Its Index And Type
    ${path} =    Create Model With Unsupported Op    FLOOR
    Load Model Should Fail With    unsupported model: op 0 (FLOOR)    ${path}
    Board Should Still Answer

Arena Too Small Is Refused
    # The plan declares a 16-byte arena; its first activation tensor lies outside it.
    Load Model Should Fail With    TH_ERR_BOUNDS    ${MODEL}    arena_bytes=16
    Board Should Still Answer

Model Too Big For The Board Is Reported
    ${path} =    Create Model Too Big For Board
    Load Model Should Fail With    does not fit    ${path}
    Board Should Still Answer

Garbage On The Link Is Refused
    ${errors} =    Send Garbage To Board    pieces=500
    Should Be True    ${errors} > 0    the board sent no ERROR frame for 500 pieces of garbage
    Board Should Still Answer
