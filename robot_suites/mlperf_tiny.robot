*** Settings ***
Documentation     The MLPerf Tiny protocol on an emulated board: our image for ${MODEL} (or a
...               vendor's firmware with --variable ELF:path.elf) driven with the official
...               runner's rules; latency and accuracy gated and recorded.
Library           hil.mlperf_tiny.keywords.MlperfTinyKeywords
Suite Setup       Open MLPerf Tiny Device    ${BOARD}    ${MODEL}    elf=${ELF}
Suite Teardown    Close MLPerf Tiny Device


*** Variables ***
${BOARD}              qemu-netduinoplus2
${MODEL}              kws
${ELF}                ${None}
# About 10% above kws's 7.66 ms per inference on qemu-netduinoplus2 (1 GHz virtual).
${MAX_LATENCY_US}     8500


*** Test Cases ***
Performance Within Budget
    Run MLPerf Tiny Performance
    Latency Should Be Below    ${MAX_LATENCY_US}
    Latency Should Agree With Instructions
    Record MLPerf Tiny Result

Accuracy Against The TFLM Labels
    Run MLPerf Tiny Accuracy    count=6
    # The labels are TFLM's top-1 on the same inputs: an exact engine gets every file right.
    Top 1 Should Be At Least    100
    Record MLPerf Tiny Result
