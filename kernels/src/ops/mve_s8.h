/* Shared by the Helium (MVE) variants of the int8 kernels (*_mve.c).
 *
 * The kernels are written with the ACLE intrinsics of <arm_mve.h>.  Built
 * with TH_KERNELS_MVE_PORTABLE (the host tests), mve_portable.h defines the
 * intrinsics they use in plain C, lane by lane, with the instructions'
 * semantics (wrapping, saturation, rounding), so the same kernel source runs
 * under the sanitizers.
 *
 * Requantization is four lanes at a time and equal to
 * th_multiply_by_quantized_multiplier for every input: gemmlowp's
 * SaturatingRoundingDoublingHighMul is VQRDMULH (both are floor((2ab + 2^31)
 * / 2^32), saturating only for INT32_MIN * INT32_MIN), and its
 * RoundingDivideByPOT is gemmlowp's own vector form: add -1 to negative
 * values (saturating) when the exponent is not 0, then VRSHL by -exponent,
 * which rounds half up. */
#ifndef TH_MVE_S8_H
#define TH_MVE_S8_H
#include "dsp_s8.h"

#if TH_KERNELS_MVE
#include "mve_portable.h"

/* The quantization of channels [c, c + 4) as lane vectors (a per-tensor
 * quantization repeated): the one place that reads the plan's per-channel
 * arrays, so their storage can change here alone.  Lanes past `count`
 * channels must not be read: the caller passes the channels it has. */
typedef struct {
    int32x4_t multiplier;
    int32x4_t left;    /* left shift of the accumulator, >= 0 */
    int32x4_t right;   /* -(right shift), <= 0: VRSHL's shift count */
} th_mve_quant;

static inline th_mve_quant th_mve_quant_of(const th_channel_quant *q, int32_t c, int32_t lanes)
{
    th_mve_quant r;
    if (q->count == 1) {
        const th_quant one = th_quant_at(q, 0);
        r.multiplier = vdupq_n_s32(one.multiplier);
        r.left = vdupq_n_s32(one.shift > 0 ? one.shift : 0);
        r.right = vdupq_n_s32(one.shift > 0 ? 0 : one.shift);
        return r;
    }
    /* th_quant_at on four lanes. */
    const mve_pred16_t p = vctp32q((uint32_t)lanes);
    const int32x4_t words = vldrwq_z_s32((const int32_t *)(const void *)(q->words + c), p);
    int32x4_t shift;
    if (q->shifts == NULL) {
        r.multiplier = vaddq_n_s32(vandq_s32(words, vdupq_n_s32(0x3FFFFFFF)), 0x40000000);
        shift = vaddq_n_s32(vshrq_n_s32(words, 30), q->shift_base);
    } else {
        r.multiplier = words;
        shift = vldrbq_z_s32(q->shifts + c, p);
    }
    const int32x4_t zero = vdupq_n_s32(0);
    r.left = vmaxq_s32(shift, zero);
    r.right = vminq_s32(shift, zero);
    return r;
}

/* th_multiply_by_quantized_multiplier on four lanes. */
static inline int32x4_t th_mve_requantize(int32x4_t acc, const th_mve_quant *q)
{
    const int32x4_t high = vqrdmulhq_s32(vshlq_s32(acc, q->left), q->multiplier);
    const int32x4_t fixup = vshrq_n_s32(vandq_s32(high, q->right), 31);
    return vrshlq_s32(vqaddq_s32(high, fixup), q->right);
}

/* Requantized, plus the output zero point, clamped to [act_min, act_max]
 * (the add wraps, as th_add_wrap does). */
static inline int32x4_t th_mve_output(int32x4_t acc, const th_mve_quant *q, int32_t offset, int32_t act_min,
                                      int32_t act_max)
{
    const int32x4_t r = vaddq_n_s32(th_mve_requantize(acc, q), offset);
    return vminq_s32(vmaxq_s32(r, vdupq_n_s32(act_min)), vdupq_n_s32(act_max));
}

/* The DSP variants the MVE ones fall back on for the shapes they do not take
 * (TH_DSP_ENTRY, kernel_isa.h). */
void th_depthwise_conv2d_s8_dsp(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                                const th_dims *input_dims, const int8_t *input,
                                const th_dims *filter_dims, const int8_t *filter,
                                const int32_t *bias,
                                const th_dims *output_dims, int8_t *output);

#endif /* TH_KERNELS_MVE */
#endif
