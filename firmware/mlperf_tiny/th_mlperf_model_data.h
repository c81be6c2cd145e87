/* What the host generates for one model of the MLPerf Tiny image
 * (hil/mlperf_tiny/firmware.py writes th_mlperf_model_data.c): the plan linked
 * in, the arena, and the integer constants that turn outputs into the decimal
 * text of m-results without floating point. */
#ifndef TH_MLPERF_MODEL_DATA_H
#define TH_MLPERF_MODEL_DATA_H
#include <stdint.h>

enum {
    TH_MLPERF_RESULTS_DEQUANTIZED = 0, /* each output: scale * (q - zero_point) */
    TH_MLPERF_RESULTS_MSE = 1          /* one value: mean squared error of output vs input (ad01) */
};

typedef struct {
    const char *model_version;   /* m-model-[...]: vww01, kws01, ic01, ad01 */
    const uint8_t *plan;
    uint32_t plan_bytes;
    uint8_t *arena;
    uint32_t arena_bytes;
    uint8_t input_offset;        /* subtracted from each received byte (128: uint8 pixels to int8) */
    uint8_t results_kind;
    uint8_t decimals;            /* digits after the point in m-results */
    uint8_t scale_shift;         /* every *_q below is a value times 2^scale_shift */
    int32_t input_zero_point;
    int32_t output_zero_point;
    int64_t output_scale_q;      /* output scale */
    int64_t mse_in_in_q;         /* input scale squared */
    int64_t mse_in_out_q;        /* input scale times output scale */
    int64_t mse_out_out_q;       /* output scale squared */
} th_mlperf_model_data;

/* Converts the board counter's ticks to nanoseconds: ns = ticks * ns_num / ns_den.
 * One entry per counter of the board file, in its order (th_counter_index()). */
typedef struct {
    uint32_t ns_num;
    uint32_t ns_den;
    const char *what;            /* printed at boot: where the microseconds come from */
} th_mlperf_counter_time;

extern const th_mlperf_model_data th_mlperf_model;
extern const th_mlperf_counter_time th_mlperf_counter_times[];
extern const uint32_t th_mlperf_counter_time_count;

#endif
