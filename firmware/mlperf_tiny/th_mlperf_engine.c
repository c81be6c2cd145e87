/* The engine behind the MLPerf Tiny protocol: the linked-in plan, loaded once
 * at boot, and m-results computed with integers only (the scales arrive as
 * fixed-point constants from the host). */
#include <stdint.h>
#include "th_mlperf_engine.h"
#include "th_mlperf_model_data.h"
#include "th_mlperf_tiny.h"
#include "th_platform.h"
#include "tinyhil/th_runtime.h"

static th_model model;
static th_tensor input, output;

static void print_status(const char *what, th_status status)
{
    th_mlperf_puts("e-[");
    th_mlperf_puts(what);
    th_mlperf_puts(": ");
    th_mlperf_puts(th_status_name(status));
    th_mlperf_puts("]\r\n");
}

/* The received bytes stay the source of the input: the arena planner reuses
 * the input tensor's memory once it is consumed, so every inference copies
 * it in again (and the ad01 error is computed against these bytes). */
static const uint8_t *source;

static int load_tensor(const uint8_t *data, uint32_t bytes)
{
    source = data;
    return 0;
}

static void copy_input(void)
{
    uint32_t bytes = input.bytes;
    uint8_t offset = th_mlperf_model.input_offset;
    if ((((uintptr_t)source | (uintptr_t)input.data | bytes) & 3u) == 0) {
        /* Four at a time: an offset of 0 or 128 is the same on every byte lane without carries. */
        uint32_t lanes = offset == 128u ? 0x80808080u : 0u;
        const uint32_t *s = (const uint32_t *)source;
        uint32_t *d = (uint32_t *)input.data;
        if (offset == 0u || offset == 128u) {
            for (uint32_t i = 0; i < bytes / 4u; ++i)
                d[i] = s[i] ^ lanes;
            return;
        }
    }
    int8_t *dst = (int8_t *)input.data;
    for (uint32_t i = 0; i < bytes; ++i)
        dst[i] = (int8_t)(uint8_t)(source[i] - offset);
}

static int infer(void)
{
    th_error err;
    /* The emulator's counter pairs these markers: it counts the input copy and
     * the invoke, which is what the m-lap-us window times per inference. */
    th_mark_invoke_begin();
    copy_input();
    th_status status = th_model_invoke(&model, &err);
    th_mark_invoke_end();
    if (status != TH_OK) {
        print_status("Inference failed", status);
        return -1;
    }
    return 0;
}

/* round(v / 2^shift), halves away from zero. */
static int64_t shift_round(int64_t v, uint8_t shift)
{
    if (shift == 0)
        return v;
    int64_t half = (int64_t)1 << (shift - 1);
    return v >= 0 ? (v + half) >> shift : -((-v + half) >> shift);
}

static int64_t decimal_unit(void)
{
    int64_t unit = 1;
    for (uint8_t i = 0; i < th_mlperf_model.decimals; ++i)
        unit *= 10;
    return unit;
}

static void results(void)
{
    const th_mlperf_model_data *m = &th_mlperf_model;
    const int8_t *out = (const int8_t *)output.data;
    int64_t unit = decimal_unit();
    th_mlperf_puts("m-results-[");
    if (m->results_kind == TH_MLPERF_RESULTS_MSE) {
        /* sum((si*a - so*b)^2) = si^2*sum(a^2) - 2*si*so*sum(a*b) + so^2*sum(b^2):
         * exact integer sums, then three fixed-point products. */
        int64_t aa = 0, ab = 0, bb = 0;
        for (uint32_t i = 0; i < output.bytes && source; ++i) {
            int64_t a = (int64_t)(int8_t)(uint8_t)(source[i] - m->input_offset) - m->input_zero_point;
            int64_t b = (int64_t)out[i] - m->output_zero_point;
            aa += a * a;
            ab += a * b;
            bb += b * b;
        }
        int64_t total = m->mse_in_in_q * aa - 2 * m->mse_in_out_q * ab + m->mse_out_out_q * bb;
        int64_t mean = total / (int64_t)output.bytes;
        th_mlperf_put_fixed(shift_round(mean * unit, m->scale_shift), m->decimals);
    } else {
        for (uint32_t i = 0; i < output.bytes; ++i) {
            if (i)
                th_mlperf_puts(",");
            int64_t q = (int64_t)out[i] - m->output_zero_point;
            th_mlperf_put_fixed(shift_round(q * m->output_scale_q * unit, m->scale_shift), m->decimals);
        }
    }
    th_mlperf_puts("]\r\n");
}

static th_mlperf_device device;

const th_mlperf_device *th_mlperf_engine_init(void)
{
    th_error err;
    th_status status = th_model_load(&model, th_mlperf_model.plan, th_mlperf_model.plan_bytes,
                                     th_mlperf_model.arena, th_mlperf_model.arena_bytes, &err);
    if (status == TH_OK)
        status = th_model_input(&model, 0, &input);
    if (status == TH_OK)
        status = th_model_output(&model, 0, &output);
    if (status != TH_OK) {
        print_status("The linked-in plan does not load", status);
        return 0;
    }
    if (th_mlperf_model.results_kind == TH_MLPERF_RESULTS_MSE && input.bytes != output.bytes) {
        th_mlperf_puts("e-[A reconstruction error needs the output as large as the input]\r\n");
        return 0;
    }
    device.input_bytes = input.bytes;
    device.load_tensor = load_tensor;
    device.infer = infer;
    device.results = results;
    return &device;
}
