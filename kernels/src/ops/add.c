/* ADD, int8 and int16: TFLM's reference kernels (reference/integer_ops/add.h,
 * AddFunc; for int16 reference_ops' AddElementwise, the general-scale path
 * TFLM takes, left shift 15), with NumPy broadcasting over right-aligned
 * shapes of up to TH_MAX_RANK dims as in its BroadcastAdd6DSlow.  Each input
 * is offset, shifted left for headroom, rescaled to a common scale, summed,
 * and requantized to the output.  The validation here is shared with SUB
 * (add_sub.h).  Where the build has the DSP or Helium variants, int8 runs of
 * same-shape inputs, or with one input a single value, take the fast paths
 * below. */
#include <string.h>

#include "add_sub.h"
#include "broadcast.h"
#include "mve_s8.h"

static inline int8_t add_one(const th_add_params *p, int32_t x1, int32_t x2)
{
    const int32_t scaled1 = th_add_sub_scaled(x1, p->input1_offset, p->left_shift, p->input1_multiplier,
                                              p->input1_shift);
    const int32_t scaled2 = th_add_sub_scaled(x2, p->input2_offset, p->left_shift, p->input2_multiplier,
                                              p->input2_shift);
    return th_add_sub_output(p, scaled1 + scaled2);
}

#if TH_KERNELS_DSP
/* The fast paths for same-shape int8 runs (the residual ADDs) and runs with
 * one input a single value, exact for what they take (add_fast and
 * add_fast_scalar return 0 for the rest):
 *
 * SRDHM(a, m) with a = v << left_shift (|v| <= 255, so |a| < 2^30) and m >= 0
 * is floor((2am + 2^31) / 2^32): VQRDMULH, which never saturates here, or the
 * high word of a rounding 32x32 multiply of 2a (SMMLAR).  The rounding
 * division by 2^e (e >= 1) is floor((y + 2^(e-1) - [y < 0]) / 2^e), where
 * [y < 0] may be [a < 0] (they differ only when y == 0, and both then give 0).
 *
 * TFLM's prepare gives the input with the larger scale the multiplier 1/2
 * (m = 2^30, shift 0): that input's scaled value is exactly
 * v << (left_shift - 1), no multiply. */
#define ADD_FAST_HALF (1 << 30)

static int add_fast_is_half(int32_t multiplier, int32_t shift)
{
    return multiplier == ADD_FAST_HALF && shift == 0;
}
#endif

#if TH_KERNELS_MVE
/* Four lanes: each input offset and shifted in one VMLAS, rescaled by
 * VQRDMULH and gemmlowp's vector rounding division (th_mve_requantize's,
 * with scalar operands); the output requantized the same way, offset,
 * clamped and stored as bytes.  The parameters are copied to locals first
 * (the byte stores could alias them).
 *
 * add_mve_half takes TFLM's case: the half input second, as v << (left
 * shift - 1); the other with a shift below 0, where the division's fixup is
 * just the sign (and a half input there too, as multiplier 2^31 - 1 and
 * shift -1: VQRDMULH(v << ls, 2^31 - 1) rounds to v << ls while
 * |v| << (ls + 2) < 2^32, every v for ls <= 22, then halved); an output
 * shift in [-22, -1].  add_mve_general takes
 * everything else validate accepts. */
#define ADD_MVE_MAX_OUTPUT_SHIFT 22

typedef struct {
    int32_t scale1, off1, m1, right1;   /* 2^left_shift, offset << left_shift, multiplier, shift */
    int32_t scale2, off2, m2, right2;   /* the same; for a half input 2^(left_shift - 1), offset << that */
    int32_t mo, right_o, offset_o, act_min, act_max;
    int32_t round_o;                    /* add_mve_half's: 2^(-right_o - 1) + offset_o << -right_o */
} add_mve_quant;

/* The rounding division by 2^-right of VQRDMULH's result, any right <= 0. */
static inline int32x4_t add_mve_divide(int32x4_t high, int32_t right)
{
    const int32x4_t fixup = vshrq_n_s32(vandq_s32(high, vdupq_n_s32(right)), 31);
    return vrshlq_n_s32(vqaddq_s32(high, fixup), right);
}

/* The same for right < 0. */
static inline int32x4_t add_mve_divide_neg(int32x4_t high, int32_t right)
{
    return vrshlq_n_s32(vqaddq_s32(high, vshrq_n_s32(high, 31)), right);
}

static inline int32x4_t add_mve_out(const add_mve_quant *q, int32x4_t r)
{
    return vminq_s32(vmaxq_s32(vaddq_n_s32(r, q->offset_o), vdupq_n_s32(q->act_min)), vdupq_n_s32(q->act_max));
}

/* The output of add_mve_half: the high multiply accumulated onto -[sum < 0]
 * (VQRDMLAH), then round_o = 2^(e-1) + offset << e added and a truncating
 * shift (the offset exact as a multiple of 2^e; no overflow for e <= 22). */
static inline int32x4_t add_mve_half_lanes(const add_mve_quant *q, int32x4_t x1, int32x4_t x2)
{
    const int32x4_t a1 = vmlasq_n_s32(x1, vdupq_n_s32(q->scale1), q->off1);
    const int32x4_t s1 = add_mve_divide_neg(vqrdmulhq_n_s32(a1, q->m1), q->right1);
    const int32x4_t sum = vaddq_s32(s1, vmlasq_n_s32(x2, vdupq_n_s32(q->scale2), q->off2));
    const int32x4_t y = vqrdmlahq_n_s32(vshrq_n_s32(sum, 31), sum, q->mo);
    const int32x4_t r = vshlq_r_s32(vaddq_n_s32(y, q->round_o), q->right_o);
    return vminq_s32(vmaxq_s32(r, vdupq_n_s32(q->act_min)), vdupq_n_s32(q->act_max));
}

static inline int32x4_t add_mve_general_lanes(const add_mve_quant *q, int32x4_t x1, int32x4_t x2)
{
    const int32x4_t a1 = vmlasq_n_s32(x1, vdupq_n_s32(q->scale1), q->off1);
    const int32x4_t a2 = vmlasq_n_s32(x2, vdupq_n_s32(q->scale2), q->off2);
    const int32x4_t sum = vaddq_s32(add_mve_divide(vqrdmulhq_n_s32(a1, q->m1), q->right1),
                                    add_mve_divide(vqrdmulhq_n_s32(a2, q->m2), q->right2));
    return add_mve_out(q, add_mve_divide(vqrdmulhq_n_s32(sum, q->mo), q->right_o));
}

/* Whole vectors, then the last one to three lanes predicated. */
#define ADD_MVE_LOOP(LANES)                                                                                     \
    const add_mve_quant q = *qp;                                                                                \
    int32_t i = 0;                                                                                              \
    for (; i + 4 <= count; i += 4) {                                                                            \
        vstrbq_s32(out + i, LANES(&q, vldrbq_s32(in1 + i), vldrbq_s32(in2 + i)));                               \
    }                                                                                                           \
    if (i < count) {                                                                                            \
        const mve_pred16_t p = vctp32q((uint32_t)(count - i));                                                  \
        vstrbq_p_s32(out + i, LANES(&q, vldrbq_z_s32(in1 + i, p), vldrbq_z_s32(in2 + i, p)), p);                \
    }

static TH_DSP_NOINLINE void add_mve_half(const add_mve_quant *qp, const int8_t *in1, const int8_t *in2, int8_t *out,
                                         int32_t count)
{
    ADD_MVE_LOOP(add_mve_half_lanes)
}

static TH_DSP_NOINLINE void add_mve_general(const add_mve_quant *qp, const int8_t *in1, const int8_t *in2,
                                            int8_t *out, int32_t count)
{
    ADD_MVE_LOOP(add_mve_general_lanes)
}

/* The second input a scalar, its scaled value c: the general form of the first input. */
static TH_DSP_NOINLINE void add_mve_scalar(const add_mve_quant *qp, const int8_t *in1, int32_t c, int8_t *out,
                                           int32_t count)
{
    const add_mve_quant q = *qp;
    for (int32_t i = 0; i < count; i += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(count - i));
        const int32x4_t a1 = vmlasq_n_s32(vldrbq_z_s32(in1 + i, p), vdupq_n_s32(q.scale1), q.off1);
        const int32x4_t sum = vaddq_n_s32(add_mve_divide(vqrdmulhq_n_s32(a1, q.m1), q.right1), c);
        vstrbq_p_s32(out + i, add_mve_out(&q, add_mve_divide(vqrdmulhq_n_s32(sum, q.mo), q.right_o)), p);
    }
}

/* in1 the vector input (input 1 when first, else input 2), x the other's one value.  This and
 * add_fast stay functions of their own: inlined, their parameter blocks would sit in add_row's
 * frame on every path (the stack peak). */
static TH_DSP_NOINLINE int add_fast_scalar(const th_add_params *p, int first, const int8_t *in1, int32_t x,
                                           int8_t *out, int32_t count)
{
    const add_mve_quant q = {
        .scale1 = 1 << p->left_shift,
        .off1 = (first ? p->input1_offset : p->input2_offset) * (1 << p->left_shift),
        .m1 = first ? p->input1_multiplier : p->input2_multiplier,
        .right1 = first ? p->input1_shift : p->input2_shift,
        .mo = p->output_multiplier, .right_o = p->output_shift, .offset_o = p->output_offset,
        .act_min = p->act_min, .act_max = p->act_max,
    };
    const int32_t c = first ? th_add_sub_scaled(x, p->input2_offset, p->left_shift, p->input2_multiplier,
                                                p->input2_shift)
                            : th_add_sub_scaled(x, p->input1_offset, p->left_shift, p->input1_multiplier,
                                                p->input1_shift);
    add_mve_scalar(&q, in1, c, out, count);
    return 1;
}

static TH_DSP_NOINLINE int add_fast(const th_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                    int32_t count)
{
    const int32_t ls = p->left_shift;
    const int half1 = ls >= 1 && add_fast_is_half(p->input1_multiplier, p->input1_shift);
    const int half2 = ls >= 1 && add_fast_is_half(p->input2_multiplier, p->input2_shift);
    const int swap = !half2; /* add_mve_half: the half input second */
    const int both = half1 && half2;
    const int32_t shift1 = swap ? p->input2_shift : p->input1_shift;
    const int32_t right_o = p->output_shift;
    add_mve_quant q; /* add_mve_general's, every field set (the loops copy it whole) */
    q.scale1 = 1 << ls;
    q.off1 = p->input1_offset * (1 << ls);
    q.m1 = p->input1_multiplier;
    q.right1 = p->input1_shift;
    q.scale2 = 1 << ls;
    q.off2 = p->input2_offset * (1 << ls);
    q.m2 = p->input2_multiplier;
    q.right2 = p->input2_shift;
    q.mo = p->output_multiplier;
    q.right_o = right_o;
    q.offset_o = p->output_offset;
    q.act_min = p->act_min;
    q.act_max = p->act_max;
    q.round_o = 0;
    if ((half1 || half2) && (both || shift1 < 0) && right_o < 0 && right_o >= -ADD_MVE_MAX_OUTPUT_SHIFT) {
        q.off1 = (swap ? p->input2_offset : p->input1_offset) * (1 << ls);
        q.m1 = both ? INT32_MAX : swap ? p->input2_multiplier : p->input1_multiplier;
        q.right1 = both ? -1 : shift1;
        q.scale2 = 1 << (ls - 1);
        q.off2 = (swap ? p->input1_offset : p->input2_offset) * (1 << (ls - 1));
        q.round_o = (int32_t)(1u << (-right_o - 1)) + p->output_offset * (1 << -right_o);
        add_mve_half(&q, swap ? in2 : in1, swap ? in1 : in2, out, count);
        return 1;
    }
    add_mve_general(&q, in1, in2, out, count);
    return 1;
}
#elif TH_KERNELS_DSP
/* One output per step: the other input's rescale is one SMMLAR (its
 * rounding constant 2^(e-1) as the accumulator), the sign correction and a
 * shift; the half input joins the doubled sum as (v << 20); the output is
 * the same steps on that sum, then SSAT (the activation clamp afterwards).
 * The other input may also have multiplier 1/2: as m = 2^31 - 1, e = 1 it
 * gives v << 19 the same way (2^21 v (2^31 - 1) / 2^32 rounds to 2^20 v for
 * |v| < 2^10).  The output shift e must be in [1, 22], where off << e and
 * the sum stay within int32.  With the other input a scalar, its scaled
 * value is worked out once and the loop loads one input. */
#define ADD_DSP_LEFT_SHIFT 20 /* TFLM's: the shifts below are immediates */
#define ADD_DSP_MAX_OUTPUT_SHIFT 22

typedef struct {
    int32_t off1;                   /* input1_offset << 21 */
    int32_t m1, round1, right1;     /* its multiplier, 2^(e-1), e */
    int32_t off2;                   /* input2_offset << 20 (the half input), or a scalar's doubled scaled value */
    int32_t mo, round_o, right_o;   /* output: multiplier, 2^(e-1) + offset << e, e */
} add_dsp_quant;

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
static inline int32_t add_dsp_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t add_dsp_ssat8(int32_t x)
{
    int32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
    return r;
}
#else
/* SMMLAR: acc + the high word of a * b, rounded (2^31 added), wrapping; SSAT to 8 bits. */
static inline int32_t add_dsp_smmlar(int32_t a, int32_t b, int32_t acc)
{
    const uint64_t sum = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
    return (int32_t)(uint32_t)(sum >> 32);
}
static inline int32_t add_dsp_ssat8(int32_t x)
{
    return th_clamp(x, -128, 127);
}
#endif

/* The doubled sum of the scaled inputs, requantized and saturated to int8
 * (before the activation clamp). */
static inline int32_t add_dsp_output(const add_dsp_quant *q, int32_t sum2)
{
    return add_dsp_ssat8((add_dsp_smmlar(sum2, q->mo, q->round_o) + (sum2 >> 31)) >> q->right_o);
}

/* The first input's scaled value. */
static inline int32_t add_dsp_scaled1(const add_dsp_quant *q, int32_t x)
{
    const int32_t a = q->off1 + x * (1 << (ADD_DSP_LEFT_SHIFT + 1));
    return (add_dsp_smmlar(a, q->m1, q->round1) + (a >> 31)) >> q->right1;
}

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
_Static_assert(sizeof(add_dsp_quant) == 32, "add_dsp_quant is loaded as r4-r11");
/* One output of add_dsp_loop: in1 in r1, in2 in r2, out in r3 (each
 * advanced), the parameters in r4-r11; r0 and lr scratch. */
#define ADD_DSP_ONE                      \
    "ldrsb r0, [r1], #1\n\t"             \
    "add r0, r4, r0, lsl #21\n\t"        \
    "smmlar lr, r0, r5, r6\n\t"          \
    "add lr, lr, r0, asr #31\n\t"        \
    "asr lr, lr, r7\n\t"                 \
    "ldrsb r0, [r2], #1\n\t"             \
    "add r0, r8, r0, lsl #20\n\t"        \
    "add r0, r0, lr, lsl #1\n\t"         \
    "smmlar lr, r0, r9, r10\n\t"         \
    "add lr, lr, r0, asr #31\n\t"        \
    "asr lr, lr, r11\n\t"                \
    "ssat lr, #8, lr\n\t"                \
    "strb lr, [r3], #1\n\t"

/* The same-shape loop, count > 0: an odd one first, then pairs (written
 * out: the compiler's loop spills the output pointer). */
__attribute__((naked, noinline)) static void add_dsp_loop(const add_dsp_quant *q, const int8_t *in1,
                                                          const int8_t *in2, int8_t *out, int32_t count)
{
    __asm__ volatile("push {r4-r11, lr}\n\t"
                     "ldr r12, [sp, #36]\n\t"
                     "ldm r0, {r4-r11}\n\t"
                     "tst r12, #1\n\t"
                     "add r12, r3, r12\n\t" /* the end of out */
                     "beq 1f\n\t"
                     ADD_DSP_ONE
                     "cmp r3, r12\n\t"
                     "beq 2f\n\t"
                     "1:\n\t"
                     ADD_DSP_ONE
                     ADD_DSP_ONE
                     "cmp r3, r12\n\t"
                     "bne 1b\n\t"
                     "2:\n\t"
                     "pop {r4-r11, pc}\n\t");
}
#else
/* What the assembly computes. */
static TH_DSP_NOINLINE void add_dsp_loop(const add_dsp_quant *qp, const int8_t *in1, const int8_t *in2, int8_t *out,
                                         int32_t count)
{
    const add_dsp_quant q = *qp;
    const int8_t *const end = out + count;
    while (out != end) {
        const int32_t s1 = add_dsp_scaled1(&q, *in1++);
        *out++ = (int8_t)add_dsp_output(&q, q.off2 + *in2++ * (1 << ADD_DSP_LEFT_SHIFT) + s1 * 2);
    }
}
#endif

/* The second input a scalar: off2 holds its doubled scaled value. */
static TH_DSP_NOINLINE void add_dsp_scalar_loop(const add_dsp_quant *qp, const int8_t *in1, int8_t *out,
                                                int32_t count)
{
    const add_dsp_quant q = *qp;
    const int8_t *const end = out + count;
    while (out != end) {
        *out++ = (int8_t)add_dsp_output(&q, q.off2 + add_dsp_scaled1(&q, *in1++) * 2);
    }
}

/* q for a first input (offset, multiplier, shift) and the output; 0 when
 * the loops do not take them: left shift 20, the first input half or with a
 * shift below 0, the output shift in [-22, -1]. */
static int add_dsp_prepare(const th_add_params *p, int32_t offset, int32_t multiplier, int32_t shift,
                           add_dsp_quant *q)
{
    const int half = add_fast_is_half(multiplier, shift);
    const int32_t right_o = -p->output_shift;
    if (p->left_shift != ADD_DSP_LEFT_SHIFT || (!half && shift > -1) || right_o < 1 ||
        right_o > ADD_DSP_MAX_OUTPUT_SHIFT) {
        return 0;
    }
    q->off1 = offset * (1 << (ADD_DSP_LEFT_SHIFT + 1));
    q->m1 = half ? INT32_MAX : multiplier;
    q->right1 = half ? 1 : -shift;
    q->round1 = (int32_t)(1u << (q->right1 - 1));
    q->mo = p->output_multiplier;
    q->right_o = right_o;
    q->round_o = (int32_t)(1u << (right_o - 1)) + p->output_offset * (1 << right_o);
    return 1;
}

static int add_fast(const th_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, int32_t count)
{
    /* The half input second; the other (which may be half too) first. */
    const int swap = !add_fast_is_half(p->input2_multiplier, p->input2_shift);
    add_dsp_quant q;
    if (count < 1 || (swap && !add_fast_is_half(p->input1_multiplier, p->input1_shift)) ||
        !add_dsp_prepare(p, swap ? p->input2_offset : p->input1_offset,
                         swap ? p->input2_multiplier : p->input1_multiplier,
                         swap ? p->input2_shift : p->input1_shift, &q)) {
        return 0;
    }
    q.off2 = (swap ? p->input1_offset : p->input2_offset) * (1 << ADD_DSP_LEFT_SHIFT);
    add_dsp_loop(&q, swap ? in2 : in1, swap ? in1 : in2, out, count);
    th_dsp_clamp_s8(out, count, p->act_min, p->act_max);
    return 1;
}

/* in1 the vector input (input 1 when first, else input 2), x the other's one value. */
static int add_fast_scalar(const th_add_params *p, int first, const int8_t *in1, int32_t x, int8_t *out,
                           int32_t count)
{
    add_dsp_quant q;
    if (count < 1 || !add_dsp_prepare(p, first ? p->input1_offset : p->input2_offset,
                                      first ? p->input1_multiplier : p->input2_multiplier,
                                      first ? p->input1_shift : p->input2_shift, &q)) {
        return 0;
    }
    q.off2 = 2 * (first ? th_add_sub_scaled(x, p->input2_offset, p->left_shift, p->input2_multiplier,
                                            p->input2_shift)
                        : th_add_sub_scaled(x, p->input1_offset, p->left_shift, p->input1_multiplier,
                                            p->input1_shift));
    add_dsp_scalar_loop(&q, in1, out, count);
    th_dsp_clamp_s8(out, count, p->act_min, p->act_max);
    return 1;
}
#endif

static void add_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                    int8_t *out, int32_t count)
{
    const th_add_params *p = (const th_add_params *)params;
    int32_t i;
    if (step1 == 1 && step2 == 1) { /* same shapes: one run over everything */
#if TH_KERNELS_DSP
        if (add_fast(p, in1, in2, out, count)) {
            return;
        }
#endif
        for (i = 0; i < count; ++i) {
            out[i] = add_one(p, in1[i], in2[i]);
        }
        return;
    }
#if TH_KERNELS_DSP
    if (((step1 == 1 && step2 == 0) || (step1 == 0 && step2 == 1)) && /* one input one value over the run */
        add_fast_scalar(p, step1 == 1, step1 == 1 ? in1 : in2, step1 == 1 ? *in2 : *in1, out, count)) {
        return;
    }
#endif
    for (i = 0; i < count; ++i) {
        out[i] = add_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_add_s8(const th_add_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, add_row);
}

static void add_row_s16(const void *params, const int16_t *in1, int32_t step1, const int16_t *in2, int32_t step2,
                        int16_t *out, int32_t count)
{
    const th_add_params *p = (const th_add_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = th_add_sub_scaled(*in1, 0, p->left_shift, p->input1_multiplier, p->input1_shift);
        const int32_t scaled2 = th_add_sub_scaled(*in2, 0, p->left_shift, p->input2_multiplier, p->input2_shift);
        out[i] = th_add_sub_output_s16(p, scaled1 + scaled2);
        in1 += step1;
        in2 += step2;
    }
}

void th_add_s16(const th_add_params *p, TH_BINARY_S16_ARGS)
{
    th_broadcast_s16(input1_shape, input1, input2_shape, input2, output_shape, output, p, add_row_s16);
}

/* --- glue --- */

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: multiplier >= 0, shift in [-31, 0]. */
static th_status check_multiplier(const th_op_ctx *ctx, int32_t multiplier, int32_t shift, th_error *err)
{
    th_status status = th_op_check_range(ctx, multiplier, 0, INT32_MAX, err);
    return status != TH_OK ? status : th_op_check_range(ctx, shift, -31, 0, err);
}

th_status th_add_sub_validate(const th_op_ctx *ctx, th_error *err)
{
    th_add_params p;
    th_status status;
    int s16;

    status = th_binary_check_s8_s16(ctx, err);
    if (status != TH_OK) {
        return status;
    }
    s16 = TH_IS_INT16(ctx->output->dtype);

    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, left_shift, 0, s16 ? ADD_SUB_MAX_LEFT_SHIFT_S16 : ADD_SUB_MAX_LEFT_SHIFT,
                                err);
    }
    /* int16: zero points 0 (the offsets then drop out of the int16 kernels). */
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, input1_offset, 0, 0, err);
    }
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, input2_offset, 0, 0, err);
    }
    if (status == TH_OK && s16) {
        status = TH_CHECK_PARAM(ctx, p, output_offset, 0, 0, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[0], ctx->inputs[0], -(int64_t)p.input1_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->input_index[1], ctx->inputs[1], -(int64_t)p.input2_offset, err);
    }
    if (status == TH_OK) {
        status = th_check_zero_point(ctx, ctx->output_index, ctx->output, p.output_offset, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.input1_multiplier, p.input1_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.input2_multiplier, p.input2_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.output_multiplier, p.output_shift, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION_FOR(ctx, s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8, p, err);
    }
    return status;
}

static void add_eval(const th_op_ctx *ctx)
{
    th_add_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, add_row, TH_INT16_KERNEL(add_row_s16));
}

const th_op_kernel TH_OP_KERNEL(ADD) = {2, 2, 1, 1, th_add_sub_validate, add_eval, NULL};
