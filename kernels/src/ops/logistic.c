/* LOGISTIC, int8: TFLM's reference integer Logistic (int16 at the end:
 * TFLM's LUT kernel, sigmoid_lut.h).  The centered input is
 * saturated outside +-input_range_radius, otherwise rescaled to Q4.27 and
 * put through gemmlowp's logistic (exp_on_negative_values and
 * one_over_one_plus_x_for_x_in_0_1), giving Q0.31, then rounded to the
 * fixed output quantization (scale 1/256, zero point -128). */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"
#include "sigmoid_lut.h"

#define LOGISTIC_INPUT_INTEGER_BITS 4

static inline int32_t sat_mul_by_pot(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

static inline int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a), a in [-1/4, 0) in Q0.31: Taylor expansion around -1/8. */
static int32_t exp_quarter_interval(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = th_add_wrap(a, 1 << 28);
    const int32_t x2 = th_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = th_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = th_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = th_rounding_divide_by_pot(x4, 2);
    const int32_t poly = th_rounding_divide_by_pot(
        th_add_wrap(th_sat_rounding_doubling_high_mul(th_add_wrap(x4_over_4, x3), one_third), x2), 1);
    return th_add_wrap(exp_minus_one_eighth,
                       th_sat_rounding_doubling_high_mul(exp_minus_one_eighth, th_add_wrap(x, poly)));
}

/* exp(a) for a <= 0 in Q4.27, result Q0.31 (gemmlowp, 4 integer bits: the
 * barrel shifter covers exp(-1/4) .. exp(-8)). */
static int32_t exp_on_negative_values_q4_27(int32_t a)
{
    static const int32_t exp_of_minus_pot[6] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401};
    const int fractional_bits = 31 - LOGISTIC_INPUT_INTEGER_BITS;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = exp_quarter_interval(sat_mul_by_pot(a_mod_quarter_minus_one_quarter, LOGISTIC_INPUT_INTEGER_BITS));
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    int k;
    for (k = 0; k < 6; ++k) {
        if (remainder & ((int32_t)1 << (fractional_bits - 2 + k))) {
            result = th_sat_rounding_doubling_high_mul(result, exp_of_minus_pot[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t forty_eight_over_seventeen = 1515870810;
    const int32_t minus_thirty_two_over_seventeen = -1010580540;
    const int32_t one_q2_29 = (int32_t)1 << 29;
    const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
    int32_t x = th_add_wrap(forty_eight_over_seventeen,
                            th_sat_rounding_doubling_high_mul(half_denominator, minus_thirty_two_over_seventeen));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t hdx = th_sat_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus_hdx = th_add_wrap(one_q2_29, -hdx);
        x = th_add_wrap(x, sat_mul_by_pot(th_sat_rounding_doubling_high_mul(x, one_minus_hdx), 2));
    }
    return sat_mul_by_pot(x, 1);
}

/* gemmlowp logistic: Q4.27 in, Q0.31 out. */
static int32_t logistic_q4_27(int32_t a)
{
    if (a == 0) {
        return (int32_t)1 << 30; /* one half */
    }
    {
        const int32_t abs_a = a > 0 ? a : -a; /* |a| < 2^31 here: the input is inside the radius */
        const int32_t positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values_q4_27(-abs_a));
        return a > 0 ? positive : th_add_wrap(INT32_MAX, -positive);
    }
}

void th_logistic_s8(const th_logistic_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = INT8_MIN;
        } else if (x >= p->input_range_radius) {
            output[i] = INT8_MAX;
        } else {
            const int32_t q4 = th_multiply_by_quantized_multiplier(x, p->input_multiplier, p->input_left_shift);
            const int32_t q0 = logistic_q4_27(q4 == INT32_MIN ? INT32_MIN + 1 : q4);
            const int32_t out = th_rounding_divide_by_pot(q0, 31 - 8) - 128;
            output[i] = (int8_t)th_clamp(out, INT8_MIN, INT8_MAX);
        }
    }
}

/* int16: TFLM's LUT kernel (sigmoid_lut.h). */
void th_logistic_s16(const th_logistic_params *p, size_t count, const int16_t *input, int16_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = th_logistic_lut_s16(input[i], p->input_multiplier, p->input_left_shift);
    }
}

/* --- glue --- */

static th_status logistic_validate(const th_op_ctx *ctx, th_error *err)
{
    th_logistic_params p;
    th_status status;
    if (th_input_is_s16(ctx)) {
        return th_lut_s16_validate(ctx, err);
    }
    if ((status = th_op_check_unary_s8(ctx, err)) != TH_OK) {
        return status;
    }
    if (ctx->output->zero_point != INT8_MIN) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM, INT8_MIN,
                          ctx->output->zero_point);
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        const int32_t zp = ctx->inputs[0]->zero_point;
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, zp, zp, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_range_radius, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_left_shift, -31, 30, err);
    }
    return status;
}

static void logistic_eval(const th_op_ctx *ctx)
{
    th_logistic_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    if (TH_IS_INT16(ctx->inputs[0]->dtype)) {
        th_logistic_s16(&p, ctx->output->bytes / 2, (const int16_t *)ctx->inputs[0]->data, (int16_t *)ctx->output->data);
        return;
    }
    th_logistic_s8(&p, ctx->output->bytes, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(LOGISTIC) = {1, 1, 1, 1, logistic_validate, logistic_eval, NULL};
