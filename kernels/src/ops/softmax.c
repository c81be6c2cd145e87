/* SOFTMAX, int8 in and out: TFLM's reference kernel (reference/softmax.h),
 * built on gemmlowp's fixed-point exp and reciprocal; int16 in and out:
 * TFLM's SoftmaxInt16 (below), built on two LUTs the compiler generates.
 *
 * Per row: the differences x - max are rescaled into Q5.26 (input_multiplier,
 * input_left_shift), exp() gives Q0.31 values that are summed in Q12.19, and
 * each output is exp * (1 / sum) rounded to the output's Q0.8 (scale 1/256,
 * zero point -128).  Differences below diff_min contribute exp = 0. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

enum {
    SCALED_DIFF_INTEGER_BITS = 5,   /* exp() input: Q5.26 */
    ACCUMULATION_INTEGER_BITS = 12, /* sum of exps: Q12.19 */
    OUTPUT_BITS = 8,
    OUTPUT_ZERO_POINT = -128,
    /* Each exp is at most 1.0 and the Q12.19 sum stays below 2^12: at most 4095 values. */
    MAX_DEPTH = (1 << ACCUMULATION_INTEGER_BITS) - 1,
    /* CalculateInputRadius numerator: (2^5 - 1) * 2^(31 - 5). */
    INPUT_RADIUS_UNSHIFTED = ((1 << SCALED_DIFF_INTEGER_BITS) - 1) << (31 - SCALED_DIFF_INTEGER_BITS)
};

/* --- gemmlowp fixed-point pieces used only here (int32 scalars) --- */

/* SaturatingRoundingMultiplyByPOT with a positive exponent: x * 2^exponent,
 * saturated to the int32 range. */
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

/* RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = th_add_wrap(a, 1 << 28);      /* a + 1/8 */
    const int32_t x2 = th_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = th_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = th_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = th_rounding_divide_by_pot(x4, 2);
    const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 = th_rounding_divide_by_pot(
        th_add_wrap(th_sat_rounding_doubling_high_mul(th_add_wrap(x4_over_4, x3), one_third), x2), 1);
    return th_add_wrap(exp_minus_one_eighth,
                       th_sat_rounding_doubling_high_mul(
                           exp_minus_one_eighth, th_add_wrap(x, x4_over_24_plus_x3_over_6_plus_x2_over_2)));
}

/* exp(a) for a <= 0 given in Q5.26; result in Q0.31.  The fractional part
 * modulo 1/4 goes through the polynomial, and each set bit of the rest
 * multiplies by exp(-2^k), k = -2..4. */
static int32_t exp_on_negative_values_q5_26(int32_t a)
{
    static const int32_t exp_of_minus_pot[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1) */
        290630308,  /* exp(-2) */
        39332535,   /* exp(-4) */
        720401,     /* exp(-8) */
        242         /* exp(-16) */
    };
    const int fractional_bits = 31 - SCALED_DIFF_INTEGER_BITS;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        sat_mul_by_pot(a_mod_quarter_minus_one_quarter, SCALED_DIFF_INTEGER_BITS)); /* Q5.26 -> Q0.31 */
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a; /* a <= 0: no overflow */
    int k;
    for (k = 0; k < 7; ++k) {
        if (remainder & ((int32_t)1 << (fractional_bits - 2 + k))) {
            result = th_sat_rounding_doubling_high_mul(result, exp_of_minus_pot[k]);
        }
    }
    return a == 0 ? INT32_MAX : result; /* exp(0) = 1, saturated in Q0.31 */
}

/* gemmlowp's one_over_one_plus_x_for_x_in_0_1: Q0.31 in and out, three
 * Newton-Raphson steps in Q2.29. */
static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t forty_eight_over_seventeen = 1515870810;         /* Q2.29 */
    const int32_t minus_thirty_two_over_seventeen = -1010580540;   /* Q2.29 */
    const int32_t one_q2_29 = (int32_t)1 << 29;
    const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
    int32_t x = th_add_wrap(forty_eight_over_seventeen,
                            th_sat_rounding_doubling_high_mul(half_denominator, minus_thirty_two_over_seventeen));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = th_sat_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus_half_denominator_times_x = th_add_wrap(one_q2_29, -half_denominator_times_x);
        /* Q2.29 * Q2.29 is Q4.27; back to Q2.29. */
        x = th_add_wrap(x, sat_mul_by_pot(th_sat_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 2));
    }
    /* x / 2 as Q1.30 (exact), then Q1.30 -> Q0.31. */
    return sat_mul_by_pot(x, 1);
}

/* Count of leading zero bits of a nonzero value. */
static inline int count_leading_zeros(uint32_t x)
{
    int n = 0;
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* TFLite's GetReciprocal for a positive Q12.19 sum: 1/sum as a Q0.31 value
 * times 2^num_bits_over_unit. */
static int32_t reciprocal_of_sum(int32_t sum, int *num_bits_over_unit)
{
    const int headroom_plus_one = count_leading_zeros((uint32_t)sum);
    const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum << headroom_plus_one) - 0x80000000u);
    *num_bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom_plus_one;
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

/* The difference rescaled to Q5.26 (MultiplyByQuantizedMultiplierGreaterThanOne).
 * diff >= diff_min keeps diff * 2^left_shift inside int32. */
static inline int32_t rescale_diff(const th_softmax_params *p, int32_t diff)
{
    return th_sat_rounding_doubling_high_mul((int32_t)((uint32_t)diff << p->input_left_shift),
                                             p->input_multiplier);
}

void th_softmax_s8(const th_softmax_params *p, int32_t outer, int32_t depth,
                   const int8_t *input, int8_t *output)
{
    int32_t row;
    for (row = 0; row < outer; ++row) {
        const int8_t *in = input + (size_t)row * (size_t)depth;
        int8_t *out = output + (size_t)row * (size_t)depth;
        int32_t max_in_row = INT8_MIN;
        int32_t sum_of_exps = 0; /* Q12.19 */
        int32_t c;
        for (c = 0; c < depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        for (c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t exp_q0_31 = exp_on_negative_values_q5_26(rescale_diff(p, diff));
                sum_of_exps += th_rounding_divide_by_pot(exp_q0_31, ACCUMULATION_INTEGER_BITS);
            }
        }
        /* The row maximum adds exp(0) = 2^19 and depth <= MAX_DEPTH keeps the
         * sum below 2^31, so the reciprocal sees a positive value. */
        {
            int num_bits_over_unit;
            const int32_t reciprocal = reciprocal_of_sum(sum_of_exps, &num_bits_over_unit);
            /* TFLM aborts (TFLITE_CHECK) when the exponent exceeds 31, which a
             * long, flat row (depth >= 512) can reach.  Here every output is
             * then -128: a Q0.31 product divided by 2^32 or more rounds to 0. */
            const int exponent = num_bits_over_unit + 31 - OUTPUT_BITS;
            for (c = 0; c < depth; ++c) {
                const int32_t diff = (int32_t)in[c] - max_in_row;
                int32_t value = 0;
                if (diff >= p->diff_min && exponent <= 31) {
                    const int32_t exp_q0_31 = exp_on_negative_values_q5_26(rescale_diff(p, diff));
                    value = th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(reciprocal, exp_q0_31),
                                                      exponent);
                }
                out[c] = (int8_t)th_clamp(value + OUTPUT_ZERO_POINT, INT8_MIN, INT8_MAX);
            }
        }
    }
}

/* --- int16: TFLM's SoftmaxInt16 over its two interpolated LUTs --- */

/* TFLM's lut_lookup_with_interpolation for an int16 value: 512 segments of
 * 128, the segment's base plus the rounded share of its slope (the slope
 * taken as int16, as TFLM does). */
static inline int16_t lut_lookup_s16(int16_t value, const int16_t *lut)
{
    const int32_t index = 256 + (value >> 7); /* 0 .. 511 */
    const int32_t offset = value & 0x7f;
    const int32_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(lut[index] + delta);
}

void th_softmax_s16(const th_softmax_params *p, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut,
                    int32_t outer, int32_t depth, const int16_t *input, int16_t *output)
{
    int32_t row;
    for (row = 0; row < outer; ++row) {
        const int16_t *in = input + (size_t)row * (size_t)depth;
        int16_t *out = output + (size_t)row * (size_t)depth; /* holds the exps until the last loop */
        int32_t max_in_row = INT16_MIN;
        int32_t sum_of_exps = 0; /* Q16.15 */
        int32_t c;
        for (c = 0; c < depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        for (c = 0; c < depth; ++c) {
            /* [-65535, 0] stands for [-10, 0]; recentred on the LUT's [-32768, 32767]. */
            const int32_t scaled = th_multiply_by_quantized_multiplier((int32_t)in[c] - max_in_row,
                                                                       p->input_multiplier, p->input_left_shift);
            out[c] = lut_lookup_s16((int16_t)th_clamp(th_add_wrap(scaled, 32767), INT16_MIN, INT16_MAX), exp_lut);
            sum_of_exps = th_add_wrap(sum_of_exps, out[c]);
        }
        {
            /* Every exp is in [1, 32767] (validate) and depth <= 65536: 0 < sum < 2^31. */
            const int headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
            const int32_t shifted_sum =
                (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
            /* 1/(1 + x) of x = sum - 1, recentred from [0, 65535] to [-32768, 32767]. */
            const int32_t sym_shifted_sum = th_clamp(shifted_sum - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX);
            const int32_t reciprocal = lut_lookup_s16((int16_t)sym_shifted_sum, one_over_one_plus_x_lut);
            const int right_shift = 31 - headroom_plus_one;
            const int64_t round = right_shift > 0 ? (int64_t)1 << (right_shift - 1) : 0;
            for (c = 0; c < depth; ++c) {
                const int32_t result = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
                out[c] = (int16_t)th_clamp(result, 0, INT16_MAX);
            }
        }
    }
}

/* --- glue --- */

enum {
    LUT_S16_SIZE = 513,                     /* kInt16LUTArraySize */
    LUT_S16_WORDS = (LUT_S16_SIZE + 1) / 2, /* int32 words of int16 pairs in the plan */
    MAX_DEPTH_S16 = 65536                   /* 65536 exps of at most 32767 sum below 2^31 */
};

/* The int16 softmax's checks: dtypes, depth, the output's zero point, the
 * input rescaling, both LUTs in bounds and every exp entry in [1, 32767] (so
 * the row sum is positive and fits). */
static th_status softmax_validate_s16(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    th_softmax_params p;
    const int32_t *exp_words, *recip_words;
    th_status status;
    int32_t i;

    if (output->dtype != TH_DTYPE_INT16) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT16, output->dtype);
    }
    if (th_tensor_dims(input).c > MAX_DEPTH_S16) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, MAX_DEPTH_S16,
                          th_tensor_dims(input).c);
    }
    if (output->zero_point != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM, 0, output->zero_point);
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_left_shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, diff_min, 0, 0, err);
    }
    if (status == TH_OK) {
        status = th_op_const_i32(ctx, p.exp_lut_offset, LUT_S16_WORDS, &exp_words, err);
    }
    if (status == TH_OK) {
        status = th_op_const_i32(ctx, p.one_over_one_plus_x_lut_offset, LUT_S16_WORDS, &recip_words, err);
    }
    for (i = 0; i < LUT_S16_SIZE && status == TH_OK; ++i) {
        status = th_op_check_range(ctx, ((const int16_t *)exp_words)[i], 1, INT16_MAX, err);
        if (status != TH_OK && err != NULL) {
            err->byte_offset = ctx->const_offset + p.exp_lut_offset + 2u * (uint32_t)i; /* the entry itself */
        }
    }
    return status;
}


static th_status softmax_validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    th_softmax_params p;
    th_status status;
    th_dims in_dims, out_dims;
    int32_t max_magnitude;

    if (input == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (TH_IS_INT16(input->dtype)) {
        if (input->rank < 1) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 1, input->rank);
        }
        if (th_tensor_elements(output) != th_tensor_elements(input) ||
            th_tensor_dims(output).c != th_tensor_dims(input).c) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, th_tensor_dims(input).c,
                              th_tensor_dims(output).c);
        }
        return softmax_validate_s16(ctx, err);
    }
    if (input->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8, input->dtype);
    }
    if (output->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8, output->dtype);
    }
    if (input->rank < 1) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 1, input->rank);
    }
    in_dims = th_tensor_dims(input);
    out_dims = th_tensor_dims(output);
    {
        const int32_t in_v[4] = {in_dims.n, in_dims.h, in_dims.w, in_dims.c};
        const int32_t out_v[4] = {out_dims.n, out_dims.h, out_dims.w, out_dims.c};
        int i;
        for (i = 0; i < 4; ++i) {
            if (out_v[i] != in_v[i]) {
                return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in_v[i], out_v[i]);
            }
        }
    }
    if (in_dims.c > MAX_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, MAX_DEPTH, in_dims.c);
    }
    /* The kernel writes zero point -128 implicitly (output scale 1/256). */
    if (output->zero_point != OUTPUT_ZERO_POINT) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM,
                          OUTPUT_ZERO_POINT, output->zero_point);
    }

    status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    /* A negative multiplier could turn a difference positive, outside exp()'s domain. */
    status = TH_CHECK_PARAM(ctx, p, input_multiplier, 0, INT32_MAX, err);
    if (status != TH_OK) {
        return status;
    }
    status = TH_CHECK_PARAM(ctx, p, input_left_shift, 0, 31, err);
    if (status != TH_OK) {
        return status;
    }
    /* diff_min bounds |diff| * 2^left_shift by 31 * 2^26, TFLM's input radius. */
    max_magnitude = INPUT_RADIUS_UNSHIFTED >> p.input_left_shift;
    status = TH_CHECK_PARAM(ctx, p, diff_min, -max_magnitude, 0, err);
    /* The int16 LUTs are absent. */
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, exp_lut_offset, 0, 0, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, one_over_one_plus_x_lut_offset, 0, 0, err);
    }
    return status;
}

static void softmax_eval(const th_op_ctx *ctx)
{
    th_softmax_params p;
    const th_tensor *input = ctx->inputs[0];
    const int32_t depth = th_tensor_dims(input).c;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    if (TH_IS_INT16(input->dtype)) {
        const int32_t *exp_words, *recip_words;
        th_op_const_i32(ctx, p.exp_lut_offset, LUT_S16_WORDS, &exp_words, NULL);
        th_op_const_i32(ctx, p.one_over_one_plus_x_lut_offset, LUT_S16_WORDS, &recip_words, NULL);
        th_softmax_s16(&p, (const int16_t *)exp_words, (const int16_t *)recip_words,
                       th_tensor_elements(input) / depth, depth, (const int16_t *)input->data,
                       (int16_t *)ctx->output->data);
        return;
    }
    th_softmax_s8(&p, th_tensor_elements(input) / depth, depth, (const int8_t *)input->data,
                  (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(SOFTMAX) = {1, 1, 1, 1, softmax_validate, softmax_eval, NULL};
