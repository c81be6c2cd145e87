/* Shared by ADD and SUB, which quantize alike in TFLM (CalculateOpDataAdd /
 * CalculateOpDataSub): each input is offset, shifted left for headroom and
 * rescaled to a common scale; the sum or difference is requantized. */
#ifndef TH_OPS_ADD_SUB_H
#define TH_OPS_ADD_SUB_H
#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

/* (x + offset) is within [-255, 255]; with a left shift of at most 22 the two
 * shifted, rescaled inputs and their sum or difference stay inside int32
 * (TFLM uses 20).  int16 has zero points 0, so |x| <= 2^15 and the shift is at
 * most 15 (TFLM's). */
#define ADD_SUB_MAX_LEFT_SHIFT 22
#define ADD_SUB_MAX_LEFT_SHIFT_S16 15

/* One input brought to the common scale: MultiplyByQuantizedMultiplierSmallerThanOneExp
 * of (x + offset) << left_shift (shifts are <= 0). */
static inline int32_t th_add_sub_scaled(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                        int32_t shift)
{
    const int32_t shifted = (x + offset) * ((int32_t)1 << left_shift);
    return th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(shifted, multiplier), -shift);
}

/* The requantized, clamped output of a raw sum or difference at the common scale. */
static inline int8_t th_add_sub_output(const th_add_params *p, int32_t raw)
{
    const int32_t out = th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(raw, p->output_multiplier),
                                                  -p->output_shift) + p->output_offset;
    return (int8_t)th_clamp(out, p->act_min, p->act_max);
}

/* The same for an int16 output (TFLM's int16 AddElementwise / SubElementwise). */
static inline int16_t th_add_sub_output_s16(const th_add_params *p, int32_t raw)
{
    const int32_t out = th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(raw, p->output_multiplier),
                                                  -p->output_shift) + p->output_offset;
    return (int16_t)th_clamp(out, p->act_min, p->act_max);
}

/* Validates an ADD or SUB op (both use th_add_params), int8 or int16 (the output dtype). */
th_status th_add_sub_validate(const th_op_ctx *ctx, th_error *err);

#endif
