/* The int8 matrix multiply and dot-product blocks shared by the Helium (MVE)
 * variants of CONV_2D and FULLY_CONNECTED (mat_mult_mve.c).
 *
 * Every sum is VMLADAVA.S8: sixteen products of the left and right bytes at
 * once.  The left operand's offset is not added to each value: it is added
 * once as lhs_offset * sum(right row) (computed with VADDVA.S8), which is the
 * same sum modulo 2^32 (int32 arithmetic wraps, so the order of the terms
 * does not matter).  The dot loops are tail-predicated low-overhead loops
 * (DLSTP/LETP), so a depth that is not a multiple of sixteen costs nothing
 * extra; the requantization is four lanes at a time (th_mve_output). */
#ifndef TH_MAT_MULT_MVE_H
#define TH_MAT_MULT_MVE_H
#include "mve_s8.h"

#if TH_KERNELS_MVE

/* One channel's quantization in every lane (from th_dsp_quant_of, which reads
 * the plan's per-channel arrays). */
static inline th_mve_quant th_mve_quant_channel(const th_channel_quant *q, int32_t channel)
{
    const th_dsp_quant d = th_dsp_quant_of(q, channel);
    th_mve_quant r;
    r.multiplier = vdupq_n_s32(d.multiplier);
    r.left = vdupq_n_s32(d.left);
    r.right = vdupq_n_s32(d.left > 0 ? 0 : -(d.right1 + 1));
    return r;
}

/* The wrapping lhs_offset * sum + bias. */
static inline int32_t th_mve_base(int32_t bias, int32_t lhs_offset, int32_t sum)
{
    return (int32_t)((uint32_t)bias + (uint32_t)lhs_offset * (uint32_t)sum);
}

/* The sum of the n > 0 values of a right row. */
#if defined(TH_KERNELS_MVE_PORTABLE)
static inline int32_t th_mve_row_sum(const int8_t *w, int32_t n)
{
    int32_t s = 0;
    for (; n > 0; n -= 16, w += 16) {
        s = vaddvaq_s8(s, vldrbq_z_s8(w, vctp8q((uint32_t)n)));
    }
    return s;
}
#else
/* A tail-predicated loop by hand (GCC 12 makes none of the intrinsics);
 * VADDVA accumulates in an even register ("Te"). */
static inline int32_t th_mve_row_sum(const int8_t *w, int32_t n)
{
    int32_t s = 0;
    __asm__ volatile("dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[w]], #16\n\t"
                     "vaddva.s8 %[s], q0\n\t"
                     "letp lr, 1b"
                     : [s] "+Te"(s), [w] "+r"(w)
                     : [n] "r"(n)
                     : "q0", "lr", "memory");
    return s;
}
#endif

/* out[r * out_stride + c] = requantized(bias[c] + sum_d (lhs[r * lhs_stride + d] + lhs_offset) * rhs[c][d])
 * for r < rows, c < cols, d < depth (bias may be NULL; act_min, act_max in
 * int8).  bases, when not NULL, holds each channel's bias + lhs_offset *
 * sum_d rhs[c][d] already (th_mve_base), for the rows of four. */
typedef struct {
    const int8_t *lhs;
    const int8_t *rhs;
    const int32_t *bias;
    const int32_t *bases;
    int8_t *out;
    int32_t rows, cols, depth;
    int32_t lhs_stride, out_stride;
    int32_t lhs_offset;
    th_dsp_out o;            /* output zero point and clamp (dsp_s8.h) */
} th_mve_matmul;

void th_mve_mat_mult(const th_mve_matmul *m, const th_channel_quant *q);

/* What th_mve_block_by_channels wants of each channel, three words a channel:
 * the base value (th_mve_base), the multiplier, and the left shift and
 * -(right shift) in the low two bytes. */
void th_mve_channel_params(const th_channel_quant *q, const int32_t *bias, int32_t lhs_offset, const int8_t *rhs,
                           int32_t depth, int32_t cols, int32_t *params);

/* th_mve_mat_mult for exactly four rows, every channel in one routine (when
 * there are only four rows at a time: the channels' setup, not the rows,
 * is what repeats). */
void th_mve_block_by_channels(const th_mve_matmul *m, const int32_t *params);

#endif /* TH_KERNELS_MVE */
#endif
