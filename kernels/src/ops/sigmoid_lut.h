/* TFLM's int16 LOGISTIC and TANH (reference_integer_ops::Logistic / Tanh for
 * int16), shared with the LSTM's gates: both interpolate in sigmoid_table_uint16
 * (sigmoid(i / 24) in unsigned 0.16; tanh(x) = 2 sigmoid(2x) - 1).  The table
 * input is (x * multiplier + round) >> shift, the multiplier and shift being
 * what TFLM's kernels use after their Prepare (the power-of-two case's
 * 3 << left_shift folded in); the output is Q0.15. */
#ifndef TH_OPS_SIGMOID_LUT_H
#define TH_OPS_SIGMOID_LUT_H
#include <stdint.h>

#include "../th_op.h"

extern const uint16_t th_sigmoid_table_u16[256];

/* floor(x / 2^s): an arithmetic right shift without relying on one. */
static inline int32_t th_shift_right_floor(int32_t x, int32_t s)
{
    return x >= 0 ? (x >> s) : ~(~x >> s);
}

/* The table input; |x * multiplier| < 2^30 for multipliers up to 32767, shift in [0, 31]. */
static inline int32_t th_lut_input_s16(int16_t x, int32_t multiplier, int32_t shift)
{
    const int32_t round = shift > 0 ? (int32_t)((uint32_t)1 << (shift - 1)) : 0;
    return th_shift_right_floor((int32_t)x * multiplier + round, shift);
}

static inline int16_t th_logistic_lut_s16(int16_t x, int32_t multiplier, int32_t shift)
{
    const int32_t in = th_lut_input_s16(x, multiplier, shift);
    const uint32_t a = (uint32_t)(in < 0 ? -in : in);
    const uint32_t uh = a >> 9;
    uint32_t r;
    if (uh >= 255) {
        r = 0x7FFFu << 10;
    } else {
        const uint32_t ua = th_sigmoid_table_u16[uh], ub = th_sigmoid_table_u16[uh + 1];
        r = (ua << 9) + (a & 0x1FFu) * (ub - ua);
    }
    r = in >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

static inline int16_t th_tanh_lut_s16(int16_t x, int32_t multiplier, int32_t shift)
{
    const int32_t in = th_lut_input_s16(x, multiplier, shift);
    const uint32_t a = (uint32_t)(in < 0 ? -in : in);
    const uint32_t uh = a >> 8;
    int32_t r;
    if (uh >= 255) {
        r = 0xFFFF << 8;
    } else {
        const uint32_t ua = th_sigmoid_table_u16[uh], ub = th_sigmoid_table_u16[uh + 1];
        r = (int32_t)((ua << 8) + (a & 0xFFu) * (ub - ua));
    }
    r = in >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)th_shift_right_floor(r, 8);
}

/* Load-time checks of an int16 LOGISTIC or TANH (th_logistic_params): int16 in
 * and out of one size, zero points 0, input_zero_point and input_range_radius 0
 * (unused), multiplier in [1, 32767] and shift in [0, 31] (TFLM's Prepare
 * yields these; the table input then stays within int32). */
static inline th_status th_lut_s16_validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_logistic_params p;
    th_status status;
    if (out->dtype != TH_DTYPE_INT16) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT16, out->dtype);
    }
    if (out->bytes != in->bytes) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES, in->bytes, out->bytes);
    }
    if (in->zero_point != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_PARAM, 0, in->zero_point);
    }
    if (out->zero_point != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM, 0, out->zero_point);
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, 0, 0, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_range_radius, 0, 0, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_multiplier, 1, 32767, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_left_shift, 0, 31, err);
    }
    return status;
}

/* The int16 input of an op (input 0 present and INT16). */
static inline int th_input_is_s16(const th_op_ctx *ctx)
{
    return ctx->inputs[0] != NULL && TH_IS_INT16(ctx->inputs[0]->dtype);
}

#endif
