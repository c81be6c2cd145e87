/* Integer requantization arithmetic, identical to TFLM's (gemmlowp's
 * SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, and TFLM's
 * double-rounding MultiplyByQuantizedMultiplier). */
#ifndef TH_FIXEDPOINT_H
#define TH_FIXEDPOINT_H
#include <stdint.h>

static inline int32_t th_sat_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    /* Division truncates toward zero, as in gemmlowp. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* Round-half-away-from-zero division by 2^exponent, exponent in [0, 31]. */
static inline int32_t th_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
    return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

/* x * multiplier * 2^shift with TFLM's two roundings; shift in [-31, 30].
 * The left shift is done in uint32 so that it wraps as TFLM's does on
 * two's-complement targets instead of being undefined. */
static inline int32_t th_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
    return th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(shifted, multiplier), right_shift);
}

/* TFLM's MultiplyByQuantizedMultiplier for an int64 accumulator (the 16x8
 * kernels): the multiplier rounded to 16 bits, one rounding shift by
 * 15 - shift, the result truncated to int32.  shift in [-31, 7].  The product
 * and sum wrap in uint64 (TFLM asserts |x| < 2^47, where nothing wraps). */
static inline int32_t th_multiply_by_quantized_multiplier_s64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? (int32_t)(((int64_t)multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int32_t total_shift = 15 - shift;
    const uint64_t sum = (uint64_t)x * (uint64_t)(int64_t)reduced + ((uint64_t)1 << (total_shift - 1));
    return (int32_t)(uint32_t)((uint64_t)((int64_t)sum >> total_shift));
}

/* Wrapping int64 add, for the 16x8 kernels' int64 accumulators and biases. */
static inline int64_t th_add_wrap64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Wrapping int32 add: TFLM accumulates in int32; wrapping keeps adversarial
 * plans from being undefined behaviour while matching TFLM whenever TFLM is defined. */
static inline int32_t th_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t th_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
