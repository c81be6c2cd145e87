/* Kernel pieces shared by AVERAGE_POOL_2D and MAX_POOL_2D: TFLM's reference
 * AveragePool and MaxPool walk the same window (only the taps inside the
 * input).  The loops stay in each op's file: written once with the reduction
 * as a parameter, GCC's -O2 spends one more instruction per tap in both. */
#ifndef TH_POOL_WINDOW_H
#define TH_POOL_WINDOW_H
#include <string.h>

#include "th_op.h"

/* The part [start, end) of a filter axis that falls inside the input. */
static inline void th_pool_window_in_bounds(int32_t origin, int32_t filter, int32_t input_size, int32_t *start,
                                            int32_t *end)
{
    *start = origin < 0 ? -origin : 0;
    *end = input_size - origin < filter ? input_size - origin : filter;
}

/* eval of both ops: the params (size checked by validate) and tensors handed to
 * `kernel` (int8) or `kernel16` (int16). */
static inline void th_pool_eval(const th_op_ctx *ctx,
                                void (*kernel)(const th_pool_params *p, const th_dims *input_dims,
                                               const int8_t *input, const th_dims *output_dims, int8_t *output),
                                void (*kernel16)(const th_pool_params *p, const th_dims *input_dims,
                                                 const int16_t *input, const th_dims *output_dims, int16_t *output))
{
    th_pool_params p;
    memcpy(&p, ctx->params, sizeof(p));
    const th_dims in = th_tensor_dims(ctx->inputs[0]);
    const th_dims out = th_tensor_dims(ctx->output);
    if (TH_IS_INT16(ctx->inputs[0]->dtype)) {
        kernel16(&p, &in, (const int16_t *)ctx->inputs[0]->data, &out, (int16_t *)ctx->output->data);
        return;
    }
    kernel(&p, &in, (const int8_t *)ctx->inputs[0]->data, &out, (int8_t *)ctx->output->data);
}

#endif
