/* PRELU, int8: TFLM's reference (reference_ops::BroadcastPrelu4DSlow and its
 * wider forms): non-negative offset inputs are rescaled by the identity
 * multiplier, negative ones multiplied by the offset alpha and rescaled by the
 * alpha multiplier.  Alpha broadcasts against the input (broadcast.h). */
#include <string.h>

#include "broadcast.h"
#include "tinyhil/th_fixedpoint.h"

static inline int8_t prelu_one(const th_prelu_params *p, int32_t x, int32_t alpha)
{
    const int32_t v = x + p->input_offset;
    const int32_t scaled = v >= 0 ? th_multiply_by_quantized_multiplier(v, p->identity_multiplier, p->identity_shift)
                                  : th_multiply_by_quantized_multiplier(v * (alpha + p->alpha_offset),
                                                                        p->alpha_multiplier, p->alpha_shift);
    return (int8_t)th_clamp(th_add_wrap(scaled, p->output_offset), INT8_MIN, INT8_MAX);
}

static void prelu_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                      int8_t *out, int32_t count)
{
    const th_prelu_params *p = (const th_prelu_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        out[i] = prelu_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_prelu_s8(const th_prelu_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, prelu_row);
}

/* --- glue --- */

static th_status prelu_validate(const th_op_ctx *ctx, th_error *err)
{
    th_prelu_params p;
    th_status status = th_binary_check_s8(ctx, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[0], ctx->inputs[0], -(int64_t)p.input_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[1], ctx->inputs[1], -(int64_t)p.alpha_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->output_index, ctx->output, p.output_offset, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, identity_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, identity_shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, alpha_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, alpha_shift, -31, 30, err);
    }
    return status;
}

static void prelu_eval(const th_op_ctx *ctx)
{
    th_prelu_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, prelu_row, NULL);
}

const th_op_kernel TH_OP_KERNEL(PRELU) = {2, 2, 1, 1, prelu_validate, prelu_eval, NULL};
