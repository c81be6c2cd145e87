/* HARD_SWISH, int8: TFLM's reference HardSwish (reference/hard_swish.h), in
 * int16 fixed point.  The input, centered and moved to a 2^-7 finer scale,
 * is multiplied (a) by the output multiplier and (b) by the "reluish"
 * multiplier, which maps it to relu6(x + 3) / 6 in Q15-ish form; their
 * product, shifted down to the output scale, plus the output zero point. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

/* gemmlowp's int16 SaturatingRoundingDoublingHighMul. */
static inline int32_t srdhm16(int32_t a, int32_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    {
        const int32_t ab = a * b;
        const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
        return (int16_t)((ab + nudge) / (1 << 15));
    }
}

/* TFLM's int16 SaturatingDoublingHighMul (no rounding). */
static inline int32_t sdhm16(int32_t a, int32_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)((a * b) / (1 << 15));
}

static inline int32_t sat_left_shift16(int32_t value, int32_t amount)
{
    const int32_t result = value * (1 << amount); /* |value| < 2^15, amount <= 15 */
    return th_clamp(result, INT16_MIN, INT16_MAX);
}

void th_hard_swish_s8(const th_hard_swish_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t hires = ((int32_t)input[i] - p->input_zero_point) * (1 << 7); /* within int16 */
        const int32_t preshift = srdhm16(hires, p->output_multiplier);
        int32_t reluish = hires;
        int32_t out;
        if (p->reluish_shift > 0) {
            reluish = sat_left_shift16(reluish, p->reluish_shift - 1);
        }
        reluish = srdhm16(reluish, p->reluish_multiplier);
        if (p->reluish_shift > 0) {
            reluish = sat_left_shift16(reluish, 1);
        }
        if (p->reluish_shift < 0) {
            reluish = th_rounding_divide_by_pot(reluish, -p->reluish_shift);
        }
        reluish = (reluish + (1 << 15)) >> 1;
        out = th_rounding_divide_by_pot(sdhm16(reluish, preshift), -p->output_shift);
        out = (int16_t)(out + p->output_zero_point);
        output[i] = (int8_t)th_clamp(out, INT8_MIN, INT8_MAX);
    }
}

/* --- glue --- */

static th_status hard_swish_validate(const th_op_ctx *ctx, th_error *err)
{
    th_hard_swish_params p;
    th_status status;
    if ((status = th_op_check_unary_s8(ctx, err)) != TH_OK) {
        return status;
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        const int32_t zp = ctx->inputs[0]->zero_point;
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, zp, zp, err);
    }
    if (status == TH_OK) {
        const int32_t zp = ctx->output->zero_point;
        status = TH_CHECK_PARAM(ctx, p, output_zero_point, zp, zp, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_multiplier, 0, INT16_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_shift, -15, 0, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, reluish_multiplier, 0, INT16_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, reluish_shift, -15, 15, err);
    }
    return status;
}

static void hard_swish_eval(const th_op_ctx *ctx)
{
    th_hard_swish_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_hard_swish_s8(&p, ctx->output->bytes, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(HARD_SWISH) = {1, 1, 1, 1, hard_swish_validate, hard_swish_eval, NULL};
