*** Settings ***
Documentation     The MLPerf Tiny protocol on an emulated board: our image for ${MODEL} (or a
...               vendor's firmware with --variable ELF:path.elf) driven with the official
...               runner's rules; latency and accuracy gated and recorded.
Library           hil.mlperf_tiny.keywords.MlperfTinyKeywords
Suite Setup       Open MLPerf Tiny Device    ${BOARD}    ${MODEL}    elf=${ELF}
Suite Teardown    Close MLPerf Tiny Device


*** Variables ***
${BOARD}              qemu-netduinoplus2
${MODEL}              ad
${ELF}                ${None}
# About 10% above ad01's 535 us per inference on qemu-netduinoplus2 (1 GHz virtual).
${MAX_LATENCY_US}     590


*** Test Cases ***
Performance Within Budget
    Run MLPerf Tiny Performance
    Latency Should Be Below    ${MAX_LATENCY_US}
    Latency Should Agree With Instructions
    Record MLPerf Tiny Result

Accuracy Against The TFLM Labels
    Run MLPerf Tiny Accuracy    count=6
    # The labels come from TFLM's reconstruction errors on the same inputs: an exact engine
    # ranks every file as TFLM does.
    Top 1 Should Be At Least    99.9
    AUC Should Be At Least      1.0
    Record MLPerf Tiny Result
