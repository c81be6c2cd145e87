/* MUL, int8 and int16: TFLM's reference (reference_integer_ops::MulElementwise
 * and its broadcasting walk, the same template for both types): the offset
 * inputs are multiplied in int32 and the product requantized with one
 * MultiplyByQuantizedMultiplier (s1 * s2 / so).  int16 zero points are 0, so
 * the product is at most 2^30. */
#include <string.h>

#include "broadcast.h"
#include "tinyhil/th_fixedpoint.h"

static inline int8_t mul_one(const th_mul_params *p, int32_t x1, int32_t x2)
{
    /* |x + offset| <= 255, so the product fits int32. */
    const int32_t product = (x1 + p->input1_offset) * (x2 + p->input2_offset);
    const int32_t out = th_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift) +
                        p->output_offset;
    return (int8_t)th_clamp(out, p->act_min, p->act_max);
}

static void mul_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                    int8_t *out, int32_t count)
{
    const th_mul_params *p = (const th_mul_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        out[i] = mul_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_mul_s8(const th_mul_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, mul_row);
}

static void mul_row_s16(const void *params, const int16_t *in1, int32_t step1, const int16_t *in2, int32_t step2,
                        int16_t *out, int32_t count)
{
    const th_mul_params *p = (const th_mul_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t product = (int32_t)*in1 * (int32_t)*in2;
        const int32_t v = th_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift);
        out[i] = (int16_t)th_clamp(v, p->act_min, p->act_max);
        in1 += step1;
        in2 += step2;
    }
}

void th_mul_s16(const th_mul_params *p, TH_BINARY_S16_ARGS)
{
    th_broadcast_s16(input1_shape, input1, input2_shape, input2, output_shape, output, p, mul_row_s16);
}

/* --- glue --- */

static th_status mul_validate(const th_op_ctx *ctx, th_error *err)
{
    th_mul_params p;
    th_status status = th_binary_check_s8_s16(ctx, err);
    const int s16 = status == TH_OK && TH_IS_INT16(ctx->output->dtype);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    /* int16: zero points 0 (the offsets drop out of the int16 kernel). */
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, input1_offset, 0, 0, err);
    }
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, input2_offset, 0, 0, err);
    }
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, output_offset, 0, 0, err);
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
        status = TH_CHECK_PARAM(ctx, p, output_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION_FOR(ctx, s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8, p, err);
    }
    return status;
}

static void mul_eval(const th_op_ctx *ctx)
{
    th_mul_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, mul_row, TH_INT16_KERNEL(mul_row_s16));
}

const th_op_kernel TH_OP_KERNEL(MUL) = {2, 2, 1, 1, mul_validate, mul_eval, NULL};
