/* ADD, int8 and int16: TFLM's reference kernels (reference/integer_ops/add.h,
 * AddFunc; for int16 reference_ops' AddElementwise, the general-scale path
 * TFLM takes, left shift 15), with NumPy broadcasting over right-aligned
 * shapes of up to TH_MAX_RANK dims as in its BroadcastAdd6DSlow.  Each input
 * is offset, shifted left for headroom, rescaled to a common scale, summed,
 * and requantized to the output.  The validation here is shared with SUB
 * (add_sub.h). */
#include <string.h>

#include "add_sub.h"
#include "broadcast.h"

static inline int8_t add_one(const th_add_params *p, int32_t x1, int32_t x2)
{
    const int32_t scaled1 = th_add_sub_scaled(x1, p->input1_offset, p->left_shift, p->input1_multiplier,
                                              p->input1_shift);
    const int32_t scaled2 = th_add_sub_scaled(x2, p->input2_offset, p->left_shift, p->input2_multiplier,
                                              p->input2_shift);
    return th_add_sub_output(p, scaled1 + scaled2);
}

static void add_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                    int8_t *out, int32_t count)
{
    const th_add_params *p = (const th_add_params *)params;
    int32_t i;
    if (step1 == 1 && step2 == 1) { /* same shapes: one run over everything */
        for (i = 0; i < count; ++i) {
            out[i] = add_one(p, in1[i], in2[i]);
        }
        return;
    }
    for (i = 0; i < count; ++i) {
        out[i] = add_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_add_s8(const th_add_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, add_row);
}

static void add_row_s16(const void *params, const int16_t *in1, int32_t step1, const int16_t *in2, int32_t step2,
                        int16_t *out, int32_t count)
{
    const th_add_params *p = (const th_add_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = th_add_sub_scaled(*in1, 0, p->left_shift, p->input1_multiplier, p->input1_shift);
        const int32_t scaled2 = th_add_sub_scaled(*in2, 0, p->left_shift, p->input2_multiplier, p->input2_shift);
        out[i] = th_add_sub_output_s16(p, scaled1 + scaled2);
        in1 += step1;
        in2 += step2;
    }
}

void th_add_s16(const th_add_params *p, TH_BINARY_S16_ARGS)
{
    th_broadcast_s16(input1_shape, input1, input2_shape, input2, output_shape, output, p, add_row_s16);
}

/* --- glue --- */

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: multiplier >= 0, shift in [-31, 0]. */
static th_status check_multiplier(const th_op_ctx *ctx, int32_t multiplier, int32_t shift, th_error *err)
{
    th_status status = th_op_check_range(ctx, multiplier, 0, INT32_MAX, err);
    return status != TH_OK ? status : th_op_check_range(ctx, shift, -31, 0, err);
}

th_status th_add_sub_validate(const th_op_ctx *ctx, th_error *err)
{
    th_add_params p;
    th_status status;
    int s16;

    status = th_binary_check_s8_s16(ctx, err);
    if (status != TH_OK) {
        return status;
    }
    s16 = TH_IS_INT16(ctx->output->dtype);

    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, left_shift, 0, s16 ? ADD_SUB_MAX_LEFT_SHIFT_S16 : ADD_SUB_MAX_LEFT_SHIFT,
                                err);
    }
    /* int16: zero points 0 (the offsets then drop out of the int16 kernels). */
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
        status = check_multiplier(ctx, p.input1_multiplier, p.input1_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.input2_multiplier, p.input2_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.output_multiplier, p.output_shift, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION_FOR(ctx, s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8, p, err);
    }
    return status;
}

static void add_eval(const th_op_ctx *ctx)
{
    th_add_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, add_row, TH_INT16_KERNEL(add_row_s16));
}

const th_op_kernel TH_OP_KERNEL(ADD) = {2, 2, 1, 1, th_add_sub_validate, add_eval, NULL};
