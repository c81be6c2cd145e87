/* The kernel loop shared by AVERAGE_POOL_2D and MAX_POOL_2D: TFLM's
 * reference AveragePool and MaxPool walk the same window (only the taps inside
 * the input) and differ in the reduction alone. */
#ifndef TH_POOL_WINDOW_H
#define TH_POOL_WINDOW_H
#include <string.h>

#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"

typedef enum { TH_POOL_AVERAGE, TH_POOL_MAX } th_pool_reduction;

/* The part [start, end) of a filter axis that falls inside the input. */
static inline void th_pool_window_in_bounds(int32_t origin, int32_t filter, int32_t input_size, int32_t *start,
                                            int32_t *end)
{
    *start = origin < 0 ? -origin : 0;
    *end = input_size - origin < filter ? input_size - origin : filter;
}

/* TFLM's rounding: half away from zero, with C's truncating division. */
static inline int32_t th_pool_divide_round_half_away(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* Each op calls this once with a constant `reduction`, so each compiles to a
 * loop of its own with the other reduction folded away. */
static inline void th_pool2d_s8(th_pool_reduction reduction, const th_pool_params *p, const th_dims *input_dims,
                                const int8_t *input, const th_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t depth = input_dims->c;
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < output_dims->h; ++out_y) {
            const int32_t origin_y = out_y * p->stride_h - p->pad_h;
            int32_t fy_start, fy_end;
            th_pool_window_in_bounds(origin_y, p->filter_h, in_h, &fy_start, &fy_end);
            for (int32_t out_x = 0; out_x < output_dims->w; ++out_x) {
                const int32_t origin_x = out_x * p->stride_w - p->pad_w;
                int32_t fx_start, fx_end;
                th_pool_window_in_bounds(origin_x, p->filter_w, in_w, &fx_start, &fx_end);
                /* Only in-bounds taps count: the divisor shrinks at padded edges. */
                const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
                int8_t *out = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * depth;
                for (int32_t c = 0; c < depth; ++c) {
                    /* For a max, padding never wins, as in TFLM. */
                    int32_t acc = reduction == TH_POOL_MAX ? INT8_MIN : 0;
                    for (int32_t fy = fy_start; fy < fy_end; ++fy) {
                        const int32_t row = (b * in_h + origin_y + fy) * in_w + origin_x;
                        for (int32_t fx = fx_start; fx < fx_end; ++fx) {
                            const int32_t value = input[(row + fx) * depth + c];
                            if (reduction == TH_POOL_MAX) {
                                acc = value > acc ? value : acc;
                            } else {
                                acc += value;
                            }
                        }
                    }
                    if (reduction == TH_POOL_AVERAGE) {
                        acc = th_pool_divide_round_half_away(acc, count);
                    }
                    out[c] = (int8_t)th_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* eval of both ops: the params (size checked by validate) and tensors handed to `kernel`. */
static inline void th_pool_eval(const th_op_ctx *ctx,
                                void (*kernel)(const th_pool_params *p, const th_dims *input_dims,
                                               const int8_t *input, const th_dims *output_dims, int8_t *output))
{
    th_pool_params p;
    memcpy(&p, ctx->params, sizeof(p));
    const th_dims in = th_tensor_dims(ctx->inputs[0]);
    const th_dims out = th_tensor_dims(ctx->output);
    kernel(&p, &in, (const int8_t *)ctx->inputs[0]->data, &out, (int8_t *)ctx->output->data);
}

#endif
