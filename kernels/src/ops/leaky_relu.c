/* LEAKY_RELU, int8: TFLM's reference QuantizeLeakyRelu.  The centered input
 * (in - input_zp) is requantized with the identity multiplier when it is
 * >= 0 and with the alpha multiplier (alpha folded in) when it is < 0, the
 * output zero point added, and the result clamped to int8. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

void th_leaky_relu_s8(const th_leaky_relu_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t centered = (int32_t)input[i] - p->input_offset;
        const int32_t scaled = centered >= 0
            ? th_multiply_by_quantized_multiplier(centered, p->identity_multiplier, p->identity_shift)
            : th_multiply_by_quantized_multiplier(centered, p->alpha_multiplier, p->alpha_shift);
        output[i] = (int8_t)th_clamp(p->output_offset + scaled, INT8_MIN, INT8_MAX);
    }
}

/* --- glue --- */

static th_status leaky_relu_validate(const th_op_ctx *ctx, th_error *err)
{
    th_leaky_relu_params p;
    th_status status;
    if ((status = th_op_check_unary_s8(ctx, err)) != TH_OK) {
        return status;
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        const int32_t zp = ctx->inputs[0]->zero_point;
        status = TH_CHECK_PARAM(ctx, p, input_offset, zp, zp, err);
    }
    if (status == TH_OK) {
        const int32_t zp = ctx->output->zero_point;
        status = TH_CHECK_PARAM(ctx, p, output_offset, zp, zp, err);
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

static void leaky_relu_eval(const th_op_ctx *ctx)
{
    th_leaky_relu_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_leaky_relu_s8(&p, ctx->output->bytes, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(LEAKY_RELU) = {1, 1, 1, 1, leaky_relu_validate, leaky_relu_eval, NULL};
