/* RELU and RELU6, int8, as TFLM's activations.cc.
 *
 * RELU requantizes (ReluQuantized): out = clamp(output_zp + MBQM(in - input_zp,
 * multiplier, shift), act_min, act_max), where act_min is the output's
 * quantized 0 and act_max 127.
 *
 * RELU6 does not requantize in TFLM (Relu6Quantized): each input byte is
 * clamped to [zero, six] of the *input's* quantization and stored as is. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

void th_relu_s8(const th_relu_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled =
            th_multiply_by_quantized_multiplier((int32_t)input[i] - p->input_offset, p->multiplier, p->shift);
        output[i] = (int8_t)th_clamp(p->output_offset + scaled, p->act_min, p->act_max);
    }
}

void th_relu6_s8(const th_relu6_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = (int8_t)th_clamp(input[i], p->act_min, p->act_max);
    }
}

/* --- glue --- */

static th_status relu_validate(const th_op_ctx *ctx, th_error *err)
{
    th_relu_params p;
    th_status status = th_op_check_unary_s8(ctx, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status == TH_OK) {
        const int32_t zp = ctx->inputs[0]->zero_point;
        status = TH_CHECK_PARAM(ctx, p, input_offset, zp, zp, err);
    }
    if (status == TH_OK) {
        const int32_t zp = ctx->output->zero_point;
        status = TH_CHECK_PARAM(ctx, p, output_offset, zp, zp, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION(ctx, p, err);
    }
    return status;
}

static void relu_eval(const th_op_ctx *ctx)
{
    th_relu_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_relu_s8(&p, ctx->output->bytes, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

static th_status relu6_validate(const th_op_ctx *ctx, th_error *err)
{
    th_relu6_params p;
    th_status status = th_op_check_unary_s8(ctx, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION(ctx, p, err);
    }
    return status;
}

static void relu6_eval(const th_op_ctx *ctx)
{
    th_relu6_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_relu6_s8(&p, ctx->output->bytes, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(RELU) = {1, 1, 1, 1, relu_validate, relu_eval, NULL};
const th_op_kernel TH_OP_KERNEL(RELU6) = {1, 1, 1, 1, relu6_validate, relu6_eval, NULL};
