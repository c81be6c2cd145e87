/* The DSP-extension variants of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
 * (conv_2d_dsp.c, depthwise_conv_2d_dsp.c, fully_connected_dsp.c, mat_mult_dsp.c).
 *
 * Selected at compile time, as TFLM selects its optimized kernels: where the
 * compiler targets the Arm DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7,
 * M33, M55, ...), those files define the th_*_s8 kernels and the reference
 * kernels in conv_2d.c etc. are left out.  TH_KERNELS_REFERENCE forces the
 * reference kernels; TH_KERNELS_DSP_PORTABLE builds the variants anywhere with
 * the DSP instructions written in plain C (the host tests run them that way
 * under the sanitizers).
 *
 * The variants are byte-exact with the reference kernels: the accumulator is
 * the same sum modulo 2^32 (int32 addition wraps, so the order of the terms
 * does not matter), and the requantization is the same function written with
 * one 64-bit multiply-accumulate (th_dsp_requantize). */
#ifndef TH_DSP_S8_H
#define TH_DSP_S8_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tinyhil/th_fixedpoint.h"
#include "tinyhil/th_kernels.h"
#include "kernel_isa.h"

#if TH_KERNELS_DSP

/* Hot loops stay functions of their own: inlined into their callers they
 * would share the registers with everything around them. */
#if defined(__GNUC__)
#define TH_DSP_NOINLINE __attribute__((noinline))
#else
#define TH_DSP_NOINLINE
#endif

/* Four int8 values as one word (any alignment; one LDR on Cortex-M, also
 * where -ffreestanding turns memcpy into a call). */
static inline uint32_t th_dsp_read4(const int8_t *p)
{
    uint32_t v;
#if defined(__GNUC__)
    __builtin_memcpy(&v, p, sizeof(v));
#else
    memcpy(&v, p, sizeof(v));
#endif
    return v;
}

/* Two int16 lanes from an int16 value repeated, for SXTAB16. */
static inline uint32_t th_dsp_dup16(int32_t v)
{
    return ((uint32_t)v & 0xFFFFu) * 0x10001u;
}

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
/* Bytes 0 and 2 (_even) or 1 and 3 (_odd) sign-extended to int16 lanes,
 * plus two int16 lanes (_add); SMLAD; SMLABB/SMLATT. */
static inline uint32_t th_dsp_even(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t th_dsp_odd(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t th_dsp_even_add(uint32_t lanes, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(lanes), "r"(x));
    return r;
}
static inline uint32_t th_dsp_odd_add(uint32_t lanes, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(lanes), "r"(x));
    return r;
}
static inline int32_t th_dsp_smlad(uint32_t x, uint32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}
static inline int32_t th_dsp_smlabb(uint32_t x, uint32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}
static inline int32_t th_dsp_smlatt(uint32_t x, uint32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}
#else
/* The same instructions in C (wrapping exactly as they do). */
static inline int32_t th_dsp_lane(uint32_t x, int lane)
{
    const uint32_t v = (x >> (16 * lane)) & 0xFFFFu;
    return v >= 0x8000u ? (int32_t)v - 0x10000 : (int32_t)v;
}
static inline uint32_t th_dsp_byte_lanes(uint32_t x, int first)
{
    const uint32_t b0 = (uint32_t)(int32_t)(int8_t)(uint8_t)(x >> (8 * first));
    const uint32_t b2 = (uint32_t)(int32_t)(int8_t)(uint8_t)(x >> (8 * first + 16));
    return (b0 & 0xFFFFu) | (b2 << 16);
}
static inline uint32_t th_dsp_add16(uint32_t a, uint32_t b)
{
    return ((a + b) & 0xFFFFu) | (((a >> 16) + (b >> 16)) << 16);
}
static inline uint32_t th_dsp_even(uint32_t x) { return th_dsp_byte_lanes(x, 0); }
static inline uint32_t th_dsp_odd(uint32_t x) { return th_dsp_byte_lanes(x, 1); }
static inline uint32_t th_dsp_even_add(uint32_t lanes, uint32_t x) { return th_dsp_add16(lanes, th_dsp_even(x)); }
static inline uint32_t th_dsp_odd_add(uint32_t lanes, uint32_t x) { return th_dsp_add16(lanes, th_dsp_odd(x)); }
static inline int32_t th_dsp_smlad(uint32_t x, uint32_t y, int32_t acc)
{
    return th_add_wrap(th_add_wrap(acc, th_dsp_lane(x, 0) * th_dsp_lane(y, 0)), th_dsp_lane(x, 1) * th_dsp_lane(y, 1));
}
static inline int32_t th_dsp_smlabb(uint32_t x, uint32_t y, int32_t acc)
{
    return th_add_wrap(acc, th_dsp_lane(x, 0) * th_dsp_lane(y, 0));
}
static inline int32_t th_dsp_smlatt(uint32_t x, uint32_t y, int32_t acc)
{
    return th_add_wrap(acc, th_dsp_lane(x, 1) * th_dsp_lane(y, 1));
}
#endif

/* One channel's requantization, prepared once: th_dsp_requantize(acc, q) ==
 * th_multiply_by_quantized_multiplier(acc, multiplier, shift) for every acc,
 * multiplier in [0, INT32_MAX] and shift in [-31, 30] (what validate allows).
 *
 * With a = acc << left and P = a * multiplier, TFLM's high multiply is
 * floor((P + 2^30) / 2^31) (its nudge and truncating division agree with this
 * floor for both signs), and its rounding division by 2^e (e >= 1) is
 * floor((y + 2^(e-1) - [y < 0]) / 2^e).  Nested floors of integer divisions
 * merge, so the result is floor((P + 2^30 + 2^(30+e) - [a < 0] 2^31) / 2^(31+e)):
 * one multiply-accumulate and the high word shifted by e - 1.  ([a < 0] may
 * stand for [y < 0]: they differ only when -2^30 <= P < 0, where both give 0.) */
typedef struct {
    int32_t multiplier;
    int32_t left;      /* left shift of the accumulator */
    int32_t right1;    /* e - 1; negative when e == 0 */
    uint32_t round_lo; /* 2^30 + 2^(30+e) when e >= 1, as two words */
    int32_t round_hi;
} th_dsp_quant;

static inline th_dsp_quant th_dsp_quant_of(const th_channel_quant *q, int32_t channel)
{
    const th_quant qc = th_quant_at(q, q->count > 1 ? channel : 0);
    const int32_t shift = qc.shift;
    th_dsp_quant r;
    r.multiplier = qc.multiplier;
    r.left = shift > 0 ? shift : 0;
    r.right1 = -shift - 1;
    /* 2^(31 + right1): bit 31 of the low word when right1 == 0, else 2^(right1 - 1) in the high one. */
    const uint32_t bit = 1u << (r.right1 & 31);
    r.round_lo = 0x40000000u | (bit << 31);
    r.round_hi = (int32_t)(bit >> 1);
    return r;
}

static inline int32_t th_dsp_requantize(int32_t acc, const th_dsp_quant *q)
{
    const int32_t a = (int32_t)((uint32_t)acc << q->left);
    if (q->right1 < 0) {
        return (int32_t)(((int64_t)a * q->multiplier + ((int64_t)1 << 30)) >> 31);
    }
#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
    /* round - [a < 0] 2^31 (added as the word pair (a asr 31, a & 2^31)), then SMLAL. */
    uint32_t lo;
    int32_t hi;
    __asm__("and %0, %2, #0x80000000\n\t"
            "adds %0, %0, %3\n\t"
            "adc %1, %4, %2, asr #31\n\t"
            "smlal %0, %1, %2, %5"
            : "=&r"(lo), "=&r"(hi)
            : "r"(a), "r"(q->round_lo), "r"(q->round_hi), "r"(q->multiplier)
            : "cc");
    (void)lo;
    return hi >> q->right1;
#else
    const int64_t round = (int64_t)(((uint64_t)(uint32_t)q->round_hi << 32) | q->round_lo);
    const int64_t p = (int64_t)a * q->multiplier;
    return (int32_t)((p + round - (a < 0 ? ((int64_t)1 << 31) : 0)) >> 32) >> q->right1;
#endif
}

/* The requantization of the 3x3 depthwise and the conv fast paths, for shift
 * in [-31, -2] (e = -shift >= 2): with right1 = e - 1 >= 1, round_lo is 2^30
 * and never carries, so it is made from the accumulator's sign bit with
 * round_hi = 2^(right1 - 1); the result is hi >> right1, and the output zero
 * point is added after it from the second byte of the shift word (an ASR by
 * register reads only its low byte; SXTAB adds the other, sign-extended).
 * Three words per channel: multiplier, round_hi, right1 | offset << 8. */
#define TH_DSP_FAST_MIN_SHIFT (-31)
#define TH_DSP_FAST_MAX_SHIFT (-2)

static inline void th_dsp_fast_quant(int32_t multiplier, int32_t shift, int32_t output_offset, int32_t *dst)
{
    const int32_t right1 = -shift - 1;
    dst[0] = multiplier;
    dst[1] = (int32_t)(1u << (right1 - 1));
    dst[2] = (int32_t)((uint32_t)right1 | ((uint32_t)output_offset & 0xFFu) << 8);
}

/* What the assembly makes of acc (before the activation clamp): int8 saturated. */
static inline int32_t th_dsp_fast_requantize(int32_t acc, const int32_t *q)
{
    const int64_t x = (int64_t)acc * q[0] + (int64_t)(acc < 0 ? 0xC0000000u : 0x40000000u) +
                      (int64_t)(q[1] + (acc < 0 ? -1 : 0)) * ((int64_t)1 << 32);
    const int32_t r = ((int32_t)(x >> 32) >> (q[2] & 0xFF)) + (int8_t)(uint8_t)((uint32_t)q[2] >> 8);
    return th_clamp(r, -128, 127);
}

/* Output zero point and fused-activation clamp. */
typedef struct {
    int32_t offset, act_min, act_max;
} th_dsp_out;

static inline int8_t th_dsp_output(int32_t acc, const th_dsp_quant *q, const th_dsp_out *o)
{
    return (int8_t)th_clamp(th_add_wrap(th_dsp_requantize(acc, q), o->offset), o->act_min, o->act_max);
}

/* One or two output channels (columns of a matrix multiply) and what every
 * block of them needs: filter rows, bias, quantization, output parameters. */
typedef struct {
    const int8_t *r0, *r1;   /* r1 == r0 when there is one column */
    int32_t cols;            /* 1 or 2 */
    int32_t bias[2];
    th_dsp_quant q[2];
    /* Set once by the caller: */
    int32_t depth;           /* values per filter row (distance between rows) */
    int32_t lhs_offset;      /* added to every left value */
    th_dsp_out o;
} th_dsp_cols;

/* Points c at columns col and col + 1 (col alone when col == last) of rhs. */
void th_dsp_cols_at(th_dsp_cols *c, const int8_t *rhs, const int32_t *bias, const th_channel_quant *q, int32_t col,
                    int32_t last);

/* A block of one or two left rows (l1 NULL: one) by c's columns, over values
 * [k0, k0 + n) of the filter rows (l0 and l1 point at value k0):
 * acc[0] += l0.r0, acc[1] += l0.r1, acc[2] += l1.r0, acc[3] += l1.r1; then,
 * unless out0 is NULL, out0[i] = acc[i] and out1[i] = acc[2 + i] requantized
 * for i < c->cols (out1 NULL when l1 is). */
void th_dsp_block(const th_dsp_cols *c, int32_t *acc, const int8_t *l0, const int8_t *l1, int32_t k0, int32_t n,
                  int8_t *out0, int8_t *out1);

/* Two left rows l0, l1 by the columns [first, last] of rhs (rhs_rows rows of
 * c->depth values): out0[col] and out1[col] for each.  The left rows hold
 * depth values and then, up to a multiple of four, values v with
 * v + lhs_offset == 0.  c supplies depth, lhs_offset and o (its other fields
 * are overwritten). */
void th_dsp_pair_columns(th_dsp_cols *c, const int8_t *rhs, int32_t rhs_rows, const int32_t *bias,
                         const th_channel_quant *q, int32_t first, int32_t last, const int8_t *l0, const int8_t *l1,
                         int8_t *out0, int8_t *out1);

/* out[r][c] = requantized(bias[c] + sum_d (lhs[r][d] + lhs_offset) * (rhs[c][d] + rhs_offset))
 * for r < rows, c < cols; bias may be NULL.  Rows are `depth` apart in lhs, `cols` in out. */
typedef struct {
    const int8_t *lhs;
    const int8_t *rhs;
    const int32_t *bias;
    int8_t *out;
    int32_t rows, cols, depth;
    int32_t lhs_offset, rhs_offset;
    th_dsp_out out_params;
} th_dsp_matmul;

void th_dsp_mat_mult(const th_dsp_matmul *m, const th_channel_quant *q);

/* First and one-past-last filter tap along an axis whose taps land inside
 * [0, size) for a window starting at `origin` (lo == hi when none does). */
void th_dsp_tap_range(int32_t origin, int32_t size, int32_t taps, int32_t dilation, int32_t *lo, int32_t *hi);

#endif /* TH_KERNELS_DSP */

/* The activation clamp over outputs an assembly path wrote: those paths leave it out (SSAT
 * already bounds them to int8), since Renode 1.15.3 executes the SSUB8/SEL byte clamp wrongly
 * and the engine must give the same bytes on every board; the C paths clamp as they go, so
 * clamping their outputs again changes nothing. */
static inline void th_dsp_clamp_s8(int8_t *out, int32_t count, int32_t lo, int32_t hi)
{
    if (lo == -128 && hi == 127) {
        return;
    }
    for (int32_t i = 0; i < count; ++i) {
        out[i] = (int8_t)(out[i] < lo ? lo : out[i] > hi ? hi : out[i]);
    }
}

#endif
