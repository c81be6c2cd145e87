/* SQUARED_DIFFERENCE, int8: TFLM's quantized SquaredDifference
 * (micro/kernels/squared_difference.cc): both inputs offset, shifted left by 7
 * and rescaled to twice the larger input scale (as ADD, add_sub.h), their
 * difference squared in int32 and requantized (MultiplyByQuantizedMultiplier). */
#include <string.h>

#include "add_sub.h"
#include "broadcast.h"

/* TFLM's headroom: 255^2 * 2^14 still fits int32. */
#define SQUARED_DIFFERENCE_MAX_LEFT_SHIFT 7

static inline int8_t squared_difference_one(const th_squared_difference_params *p, int32_t x1, int32_t x2)
{
    const int32_t scaled1 = th_add_sub_scaled(x1, p->input1_offset, p->left_shift, p->input1_multiplier,
                                              p->input1_shift);
    const int32_t scaled2 = th_add_sub_scaled(x2, p->input2_offset, p->left_shift, p->input2_multiplier,
                                              p->input2_shift);
    const int32_t diff = scaled1 - scaled2;
    /* In range for every plan the compiler makes; wraps (instead of being
     * undefined) for multipliers no prepare produces. */
    const int32_t squared = (int32_t)((uint32_t)diff * (uint32_t)diff);
    const int32_t out = th_add_wrap(th_multiply_by_quantized_multiplier(squared, p->output_multiplier,
                                                                        p->output_shift), p->output_offset);
    return (int8_t)th_clamp(out, p->act_min, p->act_max);
}

static void squared_difference_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2,
                                   int32_t step2, int8_t *out, int32_t count)
{
    const th_squared_difference_params *p = (const th_squared_difference_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        out[i] = squared_difference_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_squared_difference_s8(const th_squared_difference_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, squared_difference_row);
}

/* --- glue --- */

static th_status check_input_multiplier(const th_op_ctx *ctx, int32_t multiplier, int32_t shift, th_error *err)
{
    th_status status = th_op_check_range(ctx, multiplier, 0, INT32_MAX, err);
    return status != TH_OK ? status : th_op_check_range(ctx, shift, -31, 0, err);
}

static th_status squared_difference_validate(const th_op_ctx *ctx, th_error *err)
{
    th_squared_difference_params p;
    th_status status = th_binary_check_s8(ctx, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, left_shift, 0, SQUARED_DIFFERENCE_MAX_LEFT_SHIFT, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[0], ctx->inputs[0], -(int64_t)p.input1_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[1], ctx->inputs[1], -(int64_t)p.input2_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->output_index, ctx->output, p.output_offset, err);
    }
    if (status == TH_OK) {
        status = check_input_multiplier(ctx, p.input1_multiplier, p.input1_shift, err);
    }
    if (status == TH_OK) {
        status = check_input_multiplier(ctx, p.input2_multiplier, p.input2_shift, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION(ctx, p, err);
    }
    return status;
}

static void squared_difference_eval(const th_op_ctx *ctx)
{
    th_squared_difference_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, squared_difference_row, NULL);
}

const th_op_kernel TH_OP_KERNEL(SQUARED_DIFFERENCE) = {2, 2, 1, 1, squared_difference_validate,
                                                        squared_difference_eval, NULL};
