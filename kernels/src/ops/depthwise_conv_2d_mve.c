/* DEPTHWISE_CONV_2D, int8, Helium (MVE) variant of th_depthwise_conv2d_s8
 * (see mve_s8.h): byte-exact with the reference kernel in depthwise_conv_2d.c.
 * It takes 3x3 filters with a depth multiplier and dilation of 1 (the
 * MobileNet and DS-CNN shapes); every other shape goes to the DSP variant.
 *
 * Channels are the outer loop, so a group's filter, bias and quantization
 * are prepared once for the whole image.  Two ways to a group:
 *
 *   sixteen byte lanes (the main one): sixteen channels, or at stride 1 the
 *   eight channels of two neighbouring pixels, one vector per tap, with
 *   widening multiplies (see "sixteen lanes at a time" below);
 *   four int32 lanes: the channels left over (depth % 16), groups with a
 *   weight of -128 and the border pixels of eight channels.
 *
 * Padding costs no branch per tap: as in the DSP variant's 3x3 path, a window
 * crossing the border is moved inside the image by d rows or columns
 * (|d| <= 1) and the filter with it, the taps that fall off the filter
 * weighted 0.  The filter is held with a ring of zeros (5x5 taps), so a moved
 * filter ("variant") is a pointer into it.  The input offset is folded into
 * each variant's starting accumulator, bias + input_offset * (sum of its
 * weights): (v + o) * w summed over the taps equals the sum of v * w plus
 * that, modulo 2^32, and taps weighted 0 add nothing either way. */
#include "mve_s8.h"

#if TH_KERNELS_MVE

/* --- four int32 lanes at a time ------------------------------------------------------------
 *
 * Four channels are the lanes of a vector (VLDRB.S32 widens four bytes of
 * input or filter).  Inside a row, four windows of one variant go together:
 * one input column is loaded once for every window that reads it (at stride
 * 1 six columns for twelve products per filter row, at stride 2 nine). */

/* The filter of four channels with a ring of zero taps: [5][5][4] bytes. */
enum { DWM_TAP = 4, DWM_ROW = 5 * DWM_TAP, DWM_PADDED = 5 * DWM_ROW };

/* One group of (up to) four channels: what every pixel of it needs. */
typedef struct {
    th_mve_quant q;
    int32_t offset, act_min, act_max;
    ptrdiff_t s;        /* one input pixel: in_c bytes */
    ptrdiff_t in_y;     /* one input row */
    mve_pred16_t lanes; /* the group's channels */
} dwm_group;

static inline int32x4_t dwm_tap(int32x4_t acc, int32x4_t v, int32x4_t w)
{
    return vaddq_s32(acc, vmulq_s32(v, w)); /* (MVE has no lane-by-lane multiply-accumulate) */
}

static inline void dwm_store(const dwm_group *g, int32x4_t acc, int8_t *out)
{
    vstrbq_s32(out, th_mve_output(acc, &g->q, g->offset, g->act_min, g->act_max));
}

/* One output pixel: a window at `in` (the group's first channel), the variant
 * at f, acc its starting accumulator.  Only the group's lanes are read and
 * written (the last group may have fewer than four channels). */
static TH_DSP_NOINLINE void dwm_pixel(const dwm_group *g, const int8_t *f, int32x4_t acc, const int8_t *in,
                                      int8_t *out)
{
    const mve_pred16_t lanes = g->lanes;
    for (int32_t ty = 0; ty < 3; ++ty, in += g->in_y, f += DWM_ROW) {
        acc = dwm_tap(acc, vldrbq_z_s32(in, lanes), vldrbq_s32(f));
        acc = dwm_tap(acc, vldrbq_z_s32(in + g->s, lanes), vldrbq_s32(f + DWM_TAP));
        acc = dwm_tap(acc, vldrbq_z_s32(in + 2 * g->s, lanes), vldrbq_s32(f + 2 * DWM_TAP));
    }
    vstrbq_p_s32(out, th_mve_output(acc, &g->q, g->offset, g->act_min, g->act_max), lanes);
}

/* Four output pixels side by side, four channels: each input column of a
 * filter row is loaded once and multiplied by the weight of every window
 * that reads it (window i reads columns i * stride .. i * stride + 2).  The
 * weights are loaded where they are used: holding them would need more than
 * the eight vector registers. */
#define DWM_COLUMN (dwm_opaque(&f), c = vldrbq_s32(p), p += s)
#define DWM_MAC(A, TX) (A = dwm_tap(A, c, vldrbq_s32(f + (TX) * DWM_TAP)))

/* Hides f's value from the compiler: the weights are then loaded again where
 * they are used, instead of once and kept (which needs more vector registers
 * than there are, and the spills cost more than the loads). */
static inline void dwm_opaque(const int8_t **f)
{
#if defined(__GNUC__)
    __asm__("" : "+r"(*f));
#else
    (void)f;
#endif
}

static inline void dwm_store4(const dwm_group *g, int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3,
                              int8_t *out, ptrdiff_t out_step)
{
    const dwm_group k = *g; /* a copy: the stores could alias g as far as the compiler knows */
    vstrbq_s32(out, th_mve_output(a0, &k.q, k.offset, k.act_min, k.act_max));
    vstrbq_s32(out + out_step, th_mve_output(a1, &k.q, k.offset, k.act_min, k.act_max));
    vstrbq_s32(out + 2 * out_step, th_mve_output(a2, &k.q, k.offset, k.act_min, k.act_max));
    vstrbq_s32(out + 3 * out_step, th_mve_output(a3, &k.q, k.offset, k.act_min, k.act_max));
}

static TH_DSP_NOINLINE void dwm_four_s1(const dwm_group *g, const int8_t *f, int32x4_t init, const int8_t *in,
                                        int8_t *out, ptrdiff_t out_step)
{
    int32x4_t a0 = init, a1 = init, a2 = init, a3 = init, c;
    const ptrdiff_t s = g->s;
    for (int32_t ty = 0; ty < 3; ++ty, in += g->in_y, f += DWM_ROW) {
        const int8_t *p = in;
        DWM_COLUMN, DWM_MAC(a0, 0);
        DWM_COLUMN, DWM_MAC(a0, 1), DWM_MAC(a1, 0);
        DWM_COLUMN, DWM_MAC(a0, 2), DWM_MAC(a1, 1), DWM_MAC(a2, 0);
        DWM_COLUMN, DWM_MAC(a1, 2), DWM_MAC(a2, 1), DWM_MAC(a3, 0);
        DWM_COLUMN, DWM_MAC(a2, 2), DWM_MAC(a3, 1);
        c = vldrbq_s32(p), DWM_MAC(a3, 2);
    }
    dwm_store4(g, a0, a1, a2, a3, out, out_step);
}

static TH_DSP_NOINLINE void dwm_four_s2(const dwm_group *g, const int8_t *f, int32x4_t init, const int8_t *in,
                                        int8_t *out, ptrdiff_t out_step)
{
    int32x4_t a0 = init, a1 = init, a2 = init, a3 = init, c;
    const ptrdiff_t s = g->s;
    for (int32_t ty = 0; ty < 3; ++ty, in += g->in_y, f += DWM_ROW) {
        const int8_t *p = in;
        DWM_COLUMN, DWM_MAC(a0, 0);
        DWM_COLUMN, DWM_MAC(a0, 1);
        DWM_COLUMN, DWM_MAC(a0, 2), DWM_MAC(a1, 0);
        DWM_COLUMN, DWM_MAC(a1, 1);
        DWM_COLUMN, DWM_MAC(a1, 2), DWM_MAC(a2, 0);
        DWM_COLUMN, DWM_MAC(a2, 1);
        DWM_COLUMN, DWM_MAC(a2, 2), DWM_MAC(a3, 0);
        DWM_COLUMN, DWM_MAC(a3, 1);
        c = vldrbq_s32(p), DWM_MAC(a3, 2);
    }
    dwm_store4(g, a0, a1, a2, a3, out, out_step);
}

/* --- sixteen lanes at a time --------------------------------------------------------------
 *
 * Sixteen channels are the byte lanes of one vector: VMULLB/VMULLT multiply
 * the even and the odd channels into int16 lanes, two taps' products are
 * added there, and VMOVLB/VMOVLT widen the sums into four int32
 * accumulators.  Two products fit int16 when no weight is -128 (|v * w| <=
 * 128 * 127, twice that <= 32512); a group with a -128 weight goes four
 * channels at a time instead.  Accumulator r holds channels r, r + 4, r + 8,
 * r + 12 (r0 the even lanes of the even channels' sums, r1 of the odd
 * channels', r2 and r3 their odd lanes); VST4 interleaves them back into
 * channel order for the requantization.
 *
 * The group's padded filter, the starting accumulators of its variants and
 * its quantization are on the stack (dwm_conv's frame; the op asks for no
 * scratch). */
enum { DWM16_TAP = 16, DWM16_ROW = 5 * DWM16_TAP, DWM16_PADDED = 5 * DWM16_ROW };

/* The requantization of a unit, in channel order (lanes 4j..4j + 3: q[j]). */
typedef struct {
    th_mve_quant q[4];
    int32_t offset[4], act_min[4], act_max[4]; /* repeated in the lanes */
} dwm16_out;

typedef struct {
    dwm16_out o;
    int32_t init[9][16];      /* by variant (3 * (dy + 1) + dx + 1), in accumulator order */
    ptrdiff_t s, in_y;
    int left;                 /* whether a channel's accumulator is shifted left */
    int8_t padded[DWM16_PADDED];
} dwm16_group;

#if defined(__ARM_FEATURE_MVE) && !defined(TH_KERNELS_MVE_PORTABLE)
_Static_assert(offsetof(dwm16_out, q) == 0 && sizeof(th_mve_quant) == 48 && offsetof(th_mve_quant, left) == 16 &&
                   offsetof(th_mve_quant, right) == 32 && offsetof(dwm16_out, offset) == 192 &&
                   offsetof(dwm16_out, act_min) == 208 && offsetof(dwm16_out, act_max) == 224,
               "dwm16_out layout");

/* q0-q3 the accumulators r0-r3, q4 input, q5 weights, q6/q7 the int16
 * products of the even/odd channels.  The second tap of a pair loads its
 * input twice: VMULLB and VMULLT both need it and no register is left. */
#define DWM16_FIRST(ADV, FSTEP)                                                   \
    "vldrb.8 q4, [%[in]]\n\t" ADV "vldrb.8 q5, [%[f]], #" FSTEP "\n\t"            \
    "vmullb.s8 q6, q4, q5\n\t"                                                    \
    "vmullt.s8 q7, q4, q5\n\t"
#define DWM16_SECOND(ADV, FSTEP)                                                  \
    "vldrb.8 q4, [%[in]]\n\t"                                                     \
    "vldrb.8 q5, [%[f]], #" FSTEP "\n\t"                                          \
    "vmullb.s8 q4, q4, q5\n\t"                                                    \
    "vadd.i16 q6, q6, q4\n\t"                                                     \
    "vldrb.8 q4, [%[in]]\n\t" ADV                                                 \
    "vmullt.s8 q4, q4, q5\n\t"                                                    \
    "vadd.i16 q7, q7, q4\n\t"
#define DWM16_WIDEN                                                               \
    "vmovlb.s16 q4, q6\n\t"                                                       \
    "vadd.i32 q0, q0, q4\n\t"                                                     \
    "vmovlb.s16 q4, q7\n\t"                                                       \
    "vadd.i32 q1, q1, q4\n\t"                                                     \
    "vmovlt.s16 q4, q6\n\t"                                                       \
    "vadd.i32 q2, q2, q4\n\t"                                                     \
    "vmovlt.s16 q4, q7\n\t"                                                       \
    "vadd.i32 q3, q3, q4\n\t"
#define DWM16_COL "add %[in], %[in], %[s]\n\t"
#define DWM16_ROWEND "add %[in], %[in], %[next_row]\n\t"
/* Nine taps, the accumulators to acc in channel order (VST4), and q5-q7 the
 * output offset and clamp. */
#define DWM16_TAPS                                                                \
    "vldrw.32 q0, [%[init]]\n\t"                                                  \
    "vldrw.32 q1, [%[init], #16]\n\t"                                             \
    "vldrw.32 q2, [%[init], #32]\n\t"                                             \
    "vldrw.32 q3, [%[init], #48]\n\t"                                             \
    DWM16_FIRST(DWM16_COL, "16") DWM16_SECOND(DWM16_COL, "16") DWM16_WIDEN        \
    DWM16_FIRST(DWM16_ROWEND, "48") DWM16_SECOND(DWM16_COL, "16") DWM16_WIDEN     \
    DWM16_FIRST(DWM16_COL, "16") DWM16_SECOND(DWM16_ROWEND, "48") DWM16_WIDEN     \
    DWM16_FIRST(DWM16_COL, "16") DWM16_SECOND(DWM16_COL, "16") DWM16_WIDEN        \
    DWM16_FIRST("", "16") DWM16_WIDEN                                             \
    "vst40.32 {q0, q1, q2, q3}, [%[acc]]\n\t"                                     \
    "vst41.32 {q0, q1, q2, q3}, [%[acc]]\n\t"                                     \
    "vst42.32 {q0, q1, q2, q3}, [%[acc]]\n\t"                                     \
    "vst43.32 {q0, q1, q2, q3}, [%[acc]]\n\t"                                     \
    "vldrw.32 q5, [%[o], #192]\n\t"                                               \
    "vldrw.32 q6, [%[o], #208]\n\t"                                               \
    "vldrw.32 q7, [%[o], #224]\n\t"
/* th_mve_output on lanes 4J..4J + 3 (QO: the offset of q[J]), with or without the left shift. */
#define DWM16_REQ_TAIL(J, QO)                                                     \
    "vldrw.32 q1, [%[o], #" QO "]\n\t"                                            \
    "vqrdmulh.s32 q0, q0, q1\n\t"                                                 \
    "vldrw.32 q1, [%[o], #" QO "+32]\n\t"                                         \
    "vand q2, q0, q1\n\t"                                                         \
    "vshr.s32 q2, q2, #31\n\t"                                                    \
    "vqadd.s32 q0, q0, q2\n\t"                                                    \
    "vrshl.s32 q0, q0, q1\n\t"                                                    \
    "vadd.i32 q0, q0, q5\n\t"                                                     \
    "vmax.s32 q0, q0, q6\n\t"                                                     \
    "vmin.s32 q0, q0, q7\n\t"                                                     \
    "vstrb.32 q0, [%[out], #" J "*4]\n\t"
#define DWM16_REQ(J, QO)                                                          \
    "vldrw.32 q0, [%[acc], #" J "*16]\n\t" DWM16_REQ_TAIL(J, QO)
#define DWM16_REQ_LEFT(J, QO)                                                     \
    "vldrw.32 q0, [%[acc], #" J "*16]\n\t"                                        \
    "vldrw.32 q1, [%[o], #" QO "+16]\n\t"                                         \
    "vshl.s32 q0, q0, q1\n\t" DWM16_REQ_TAIL(J, QO)
#define DWM16_ASM(REQ)                                                            \
    __asm__ volatile(DWM16_TAPS REQ("0", "0") REQ("1", "48") REQ("2", "96") REQ("3", "144")          \
                     : [in] "+r"(x), [f] "+r"(w)                                                     \
                     : [s] "r"(s), [next_row] "r"(next_row), [init] "r"(init), [acc] "r"(acc),        \
                       [o] "r"(&g->o), [out] "r"(out)                                                \
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "memory")
#endif

/* n output units of g side by side: windows at in, in + in_step, ..., the
 * variant at f with its starting accumulators init, outputs out_step apart. */
static inline void dwm16_run(const dwm16_group *g, const int8_t *f, const int32_t *init, const int8_t *in,
                             ptrdiff_t in_step, int8_t *out, ptrdiff_t out_step, int32_t n)
{
#if defined(__ARM_FEATURE_MVE) && !defined(TH_KERNELS_MVE_PORTABLE)
    int32_t acc[16] __attribute__((aligned(16)));
    const ptrdiff_t s = g->s, next_row = g->in_y - 2 * g->s;
    if (g->left) {
        for (; n > 0; --n, in += in_step, out += out_step) {
            const int8_t *x = in, *w = f;
            DWM16_ASM(DWM16_REQ_LEFT);
        }
    } else {
        for (; n > 0; --n, in += in_step, out += out_step) {
            const int8_t *x = in, *w = f;
            DWM16_ASM(DWM16_REQ);
        }
    }
#else
    /* The same in C: products of two taps summed in int16, then widened. */
    for (; n > 0; --n, in += in_step, out += out_step) {
        int32x4x4_t r = {{vldrwq_s32(init), vldrwq_s32(init + 4), vldrwq_s32(init + 8), vldrwq_s32(init + 12)}};
        int16x8_t lo = {{0}}, hi = {{0}};
        for (int32_t t = 0; t < 9; ++t) {
            const int8x16_t x = vldrbq_s8(in + (t / 3) * g->in_y + (t % 3) * g->s);
            const int8x16_t w = vldrbq_s8(f + (t / 3) * DWM16_ROW + (t % 3) * DWM16_TAP);
            if (t % 2 == 0) { /* the first of a pair (or the last tap) */
                lo = vmullbq_int_s8(x, w);
                hi = vmulltq_int_s8(x, w);
            } else {
                lo = vaddq_s16(lo, vmullbq_int_s8(x, w));
                hi = vaddq_s16(hi, vmulltq_int_s8(x, w));
            }
            if (t % 2 == 1 || t == 8) {
                r.val[0] = vaddq_s32(r.val[0], vmovlbq_s16(lo));
                r.val[1] = vaddq_s32(r.val[1], vmovlbq_s16(hi));
                r.val[2] = vaddq_s32(r.val[2], vmovltq_s16(lo));
                r.val[3] = vaddq_s32(r.val[3], vmovltq_s16(hi));
            }
        }
        int32_t acc[16];
        vst4q_s32(acc, r);
        for (int32_t j = 0; j < 4; ++j) {
            vstrbq_s32(out + 4 * j, th_mve_output(vldrwq_s32(acc + 4 * j), &g->o.q[j], g->o.offset[0],
                                                  g->o.act_min[0], g->o.act_max[0]));
        }
    }
#endif
}

/* Prepares g for a unit at channel c: sixteen channels (width 16), or the
 * eight channels of two neighbouring pixels (width 8: lane k is channel
 * c + k % 8).  0 if one of their weights is -128. */
static int dwm16_prepare(dwm16_group *g, const th_conv_params *p, const th_channel_quant *q, const int8_t *filter,
                         const int32_t *bias, int32_t channels, int32_t c, int32_t width)
{
    /* (Loops of three written out: rolled, they cost more than the rest.) */
    int8_t least = 0;
    const int8_t *src = filter + c;
    int8_t *dst = g->padded + DWM16_ROW + DWM16_TAP;
    for (int32_t t = 0; t < 9; ++t, src += channels, dst += t % 3 == 0 ? DWM16_ROW - 2 * DWM16_TAP : DWM16_TAP) {
        if (width == 16) {
            vstrbq_s8(dst, vldrbq_s8(src));
        } else {
            for (int32_t k = 0; k < 16; ++k) {
                dst[k] = src[k & 7];
            }
        }
        least = vminvq_s8(least, vldrbq_s8(dst));
    }
    if (least == INT8_MIN) {
        return 0;
    }
    /* The starting accumulators: bias + input_offset * the sum of a
     * variant's weights, which are the filter's but one row and/or column
     * (the one the moved window leaves out): all - that row - that column +
     * their common tap.  Channel order first, then deinterleaved into the
     * accumulators' order. */
    int32x4_t left = vdupq_n_s32(0);
    for (int32_t j = 0; j < 4; ++j) {
        const int32_t channel = c + (4 * j) % width;
        g->o.q[j] = th_mve_quant_of(q, channel, 4);
        left = vmaxq_s32(left, g->o.q[j].left);
        const int8_t *w0 = g->padded + DWM16_ROW + DWM16_TAP + 4 * j, *w1 = w0 + DWM16_ROW, *w2 = w1 + DWM16_ROW;
        const int32x4_t w00 = vldrbq_s32(w0), w01 = vldrbq_s32(w0 + DWM16_TAP), w02 = vldrbq_s32(w0 + 2 * DWM16_TAP);
        const int32x4_t w10 = vldrbq_s32(w1), w11 = vldrbq_s32(w1 + DWM16_TAP), w12 = vldrbq_s32(w1 + 2 * DWM16_TAP);
        const int32x4_t w20 = vldrbq_s32(w2), w21 = vldrbq_s32(w2 + DWM16_TAP), w22 = vldrbq_s32(w2 + 2 * DWM16_TAP);
        const int32x4_t row0 = vaddq_s32(vaddq_s32(w00, w01), w02), row2 = vaddq_s32(vaddq_s32(w20, w21), w22);
        const int32x4_t col0 = vaddq_s32(vaddq_s32(w00, w10), w20), col2 = vaddq_s32(vaddq_s32(w02, w12), w22);
        const int32x4_t all = vaddq_s32(vaddq_s32(row0, row2), vaddq_s32(vaddq_s32(w10, w11), w12));
        /* Variant (dy, dx) leaves out row 0 when dy = 1, row 2 when dy = -1 (columns alike). */
        const int32x4_t rows[3] = {vsubq_s32(all, row2), all, vsubq_s32(all, row0)};
        const int32x4_t b = bias != NULL ? vldrwq_s32(bias + channel) : vdupq_n_s32(0);
        const int32_t o = p->input_offset;
        for (int32_t r = 0; r < 3; ++r) {
            const int32x4_t corner_left = r == 0 ? w22 : r == 2 ? w02 : vdupq_n_s32(0); /* dx = -1: column 2 out */
            const int32x4_t corner_right = r == 0 ? w20 : r == 2 ? w00 : vdupq_n_s32(0);
            const int32x4_t sum_l = vaddq_s32(vsubq_s32(rows[r], col2), corner_left);
            const int32x4_t sum_r = vaddq_s32(vsubq_s32(rows[r], col0), corner_right);
            vstrwq_s32(g->init[3 * r] + 4 * j, vaddq_s32(b, vmulq_n_s32(sum_l, o)));
            vstrwq_s32(g->init[3 * r + 1] + 4 * j, vaddq_s32(b, vmulq_n_s32(rows[r], o)));
            vstrwq_s32(g->init[3 * r + 2] + 4 * j, vaddq_s32(b, vmulq_n_s32(sum_r, o)));
        }
    }
    for (int32_t v = 0; v < 9; ++v) {
        const int32x4x4_t r = vld4q_s32(g->init[v]);
        for (int32_t k = 0; k < 4; ++k) {
            vstrwq_s32(g->init[v] + 4 * k, r.val[k]);
        }
    }
    g->left = vmaxvq_s32(0, left) > 0;
    return 1;
}

/* Where a 3x3 window starting at `origin` is moved to lie inside [0, size). */
static int32_t dwm_clamp_origin(int32_t origin, int32_t size)
{
    return origin < 0 ? 0 : origin > size - 3 ? size - 3 : origin;
}

/* Whether this variant takes the op: 3x3, depth multiplier 1, no dilation,
 * and windows that need moving by at most one row or column. */
static int dwm_applies(const th_conv_params *p, const th_dims *in, const th_dims *f, const th_dims *out)
{
    if (f->h != 3 || f->w != 3 || p->depth_multiplier != 1 || p->dilation_h != 1 || p->dilation_w != 1 ||
        in->h < 3 || in->w < 3 || in->c != out->c || p->stride_h < 1 || p->stride_w < 1 || out->h < 1 ||
        out->w < 1) {
        return 0;
    }
    /* d is monotone along an axis: its extremes bound it. */
    const int32_t y_last = (out->h - 1) * p->stride_h - p->pad_h, x_last = (out->w - 1) * p->stride_w - p->pad_w;
    return dwm_clamp_origin(-p->pad_h, in->h) + p->pad_h <= 1 && dwm_clamp_origin(y_last, in->h) - y_last >= -1 &&
           dwm_clamp_origin(-p->pad_w, in->w) + p->pad_w <= 1 && dwm_clamp_origin(x_last, in->w) - x_last >= -1;
}

/* The starting accumulator of the variant at f: bias + input_offset * the sum of its nine weights. */
static int32x4_t dwm_init(const int8_t *f, int32x4_t bias, int32_t input_offset)
{
    int32x4_t sum = vdupq_n_s32(0);
    for (int32_t ty = 0; ty < 3; ++ty, f += DWM_ROW) {
        sum = vaddq_s32(sum, vldrbq_s32(f));
        sum = vaddq_s32(sum, vldrbq_s32(f + DWM_TAP));
        sum = vaddq_s32(sum, vldrbq_s32(f + 2 * DWM_TAP));
    }
    return vaddq_s32(bias, vmulq_n_s32(sum, input_offset));
}

/* What stays the same along the op. */
typedef struct {
    const th_conv_params *p;
    const th_dims *in, *out;
    int32_t x_begin, x_end; /* the output columns whose windows lie inside the image */
} dwm_op;

/* One output row of one group: `in` at the row's moved window (row and
 * group), f the padded filter moved by dy, init the starting accumulators of
 * its variants by dx + 1.  The interior columns before `from` are left out
 * (the pixel pairs of dwm16_rows did them). */
static void dwm_row(const dwm_op *op, const dwm_group *g, int full, const int8_t *in, const int8_t *f,
                    const int32x4_t *init, int8_t *out, int32_t from)
{
    const th_conv_params *p = op->p;
    const int32_t in_w = op->in->w, out_w = op->out->w, stride = p->stride_w;
    const ptrdiff_t s = g->s, out_step = op->out->c;
    int32_t x = 0;
    for (; x < op->x_begin; ++x) { /* the left border */
        const int32_t x0 = x * stride - p->pad_w, dx = dwm_clamp_origin(x0, in_w) - x0;
        dwm_pixel(g, f + (1 + dx) * DWM_TAP, init[1 + dx], in + (x0 + dx) * s, out + x * out_step);
    }
    x = from;
    const int8_t *f0 = f + DWM_TAP;
    const int32x4_t init0 = init[1];
    if (full && (stride == 1 || stride == 2)) {
        for (; x + 4 <= op->x_end; x += 4) {
            const int8_t *w = in + (x * stride - p->pad_w) * s;
            if (stride == 1) {
                dwm_four_s1(g, f0, init0, w, out + x * out_step, out_step);
            } else {
                dwm_four_s2(g, f0, init0, w, out + x * out_step, out_step);
            }
        }
    }
    for (; x < op->x_end; ++x) {
        dwm_pixel(g, f0, init0, in + (x * stride - p->pad_w) * s, out + x * out_step);
    }
    for (; x < out_w; ++x) { /* the right border */
        const int32_t x0 = x * stride - p->pad_w, dx = dwm_clamp_origin(x0, in_w) - x0;
        dwm_pixel(g, f + (1 + dx) * DWM_TAP, init[1 + dx], in + (x0 + dx) * s, out + x * out_step);
    }
}

/* A stretch of an output row whose windows share a variant: n units from
 * output pixel x, the windows moved by dx. */
typedef struct {
    int32_t x, n, dx;
} dwm16_stretch;

/* At most three: windows moved by at most one column (dwm_applies) leave
 * one border pixel a side (x0 = -1 and x0 = in_w - 2), and the interior is one. */
enum { DWM16_MAX_STRETCHES = 3 };

/* Every output row of the unit g at channel c: with width 16 every pixel,
 * with width 8 (stride 1) the pairs of interior pixels from x_begin to `to`.
 * A row's stretches are the same in every row: listed once. */
static TH_DSP_NOINLINE void dwm16_rows(const dwm_op *op, const dwm16_group *g, const int8_t *input, int8_t *output,
                                       int32_t c, int32_t width, int32_t to)
{
    const th_conv_params *p = op->p;
    const int32_t in_h = op->in->h, out_h = op->out->h, out_w = op->out->w, stride = p->stride_w;
    const int32_t unit = 16 / width, first = width == 16 ? 0 : op->x_begin, last = width == 16 ? out_w : to;
    const int32_t x_end = width == 16 ? op->x_end : to;
    const ptrdiff_t s = g->s, out_step = op->out->c;
    dwm16_stretch list[DWM16_MAX_STRETCHES];
    int32_t stretches = 0;
    for (int32_t x = first, n; x < last; x += n * unit) {
        const int32_t x0 = x * stride - p->pad_w;
        dwm16_stretch *st = &list[stretches++];
        if (x >= op->x_begin && x < x_end) {
            n = (x_end - x) / unit;
            st->dx = 0;
        } else {
            n = 1;
            st->dx = dwm_clamp_origin(x0, op->in->w) - x0;
        }
        st->x = x;
        st->n = n;
    }
    int8_t *out = output + c;
    for (int32_t batch = 0; batch < op->out->n; ++batch) {
        const int8_t *image = input + (size_t)batch * in_h * g->in_y + c;
        for (int32_t y = 0; y < out_h; ++y, out += (size_t)out_w * out_step) {
            const int32_t y0 = y * p->stride_h - p->pad_h, y0c = dwm_clamp_origin(y0, in_h), dy = y0c - y0;
            const int8_t *row = image + (size_t)y0c * g->in_y, *f = g->padded + (1 + dy) * DWM16_ROW;
            const int32_t(*init)[16] = &g->init[3 * (1 + dy)];
            for (const dwm16_stretch *st = list; st < list + stretches; ++st) {
                dwm16_run(g, f + (1 + st->dx) * DWM16_TAP, init[1 + st->dx],
                          row + (st->x * stride - p->pad_w + st->dx) * s, unit * stride * s, out + st->x * out_step,
                          unit * out_step, st->n);
            }
        }
    }
}

/* The op, where dwm_applies. */
static TH_DSP_NOINLINE void dwm_conv(const th_conv_params *p, const th_channel_quant *q,
                                     const th_dims *input_dims, const int8_t *input, const int8_t *filter,
                                     const int32_t *bias, const th_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, channels = output_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w;
    dwm_op op = {p, input_dims, output_dims, 0, 0};
    /* Interior columns: x * stride - pad_w >= 0 and <= in_w - 3. */
    op.x_begin = (p->pad_w + p->stride_w - 1) / p->stride_w;
    op.x_end = (in_w - 3 + p->pad_w) / p->stride_w + 1;
    op.x_begin = op.x_begin < out_w ? op.x_begin : out_w;
    op.x_end = op.x_end < op.x_begin ? op.x_begin : op.x_end > out_w ? out_w : op.x_end;

    dwm_group g;
    g.offset = p->output_offset;
    g.act_min = p->act_min;
    g.act_max = p->act_max;
    g.s = channels;
    g.in_y = (ptrdiff_t)in_w * channels;

    /* Sixteen lanes at a time: their group on the stack (the op has no scratch, so a depthwise
     * layer where the arena peaks does not raise it). */
    dwm16_group group16 __attribute__((aligned(16)));
    dwm16_group *g16 = NULL;
    if (channels >= 16 || channels == 8) {
        g16 = &group16;
        memset(g16->padded, 0, sizeof(g16->padded));
        for (int32_t i = 0; i < 4; ++i) {
            g16->o.offset[i] = g.offset;
            g16->o.act_min[i] = g.act_min;
            g16->o.act_max[i] = g.act_max;
        }
        g16->s = g.s;
        g16->in_y = g.in_y;
    }

    /* Eight channels at stride 1: the interior pixels two at a time (their
     * sixteen bytes lie side by side), the rest four channels at a time. */
    int32_t from = op.x_begin;
    if (g16 != NULL && channels == 8 && p->stride_w == 1 && dwm16_prepare(g16, p, q, filter, bias, channels, 0, 8)) {
        from = op.x_begin + (op.x_end - op.x_begin) / 2 * 2;
        dwm16_rows(&op, g16, input, output, 0, 8, from);
    }

    int8_t padded[DWM_PADDED];
    int32x4_t init[3][3]; /* by dy + 1, dx + 1 */
    memset(padded, 0, sizeof(padded));
    for (int32_t c = 0, count; c < channels; c += count) {
        if (g16 != NULL && channels - c >= 16 && dwm16_prepare(g16, p, q, filter, bias, channels, c, 16)) {
            dwm16_rows(&op, g16, input, output, c, 16, 0);
            count = 16;
            continue;
        }
        count = channels - c < 4 ? channels - c : 4;
        g.lanes = vctp32q((uint32_t)count);
        g.q = th_mve_quant_of(q, c, count);
        /* The group's filter inside the ring (lanes past count stay 0). */
        for (int32_t t = 0; t < 9; ++t) {
            const int8_t *src = filter + (size_t)t * channels + c;
            int8_t *dst = padded + (1 + t / 3) * DWM_ROW + (1 + t % 3) * DWM_TAP;
            for (int32_t i = 0; i < 4; ++i) {
                dst[i] = i < count ? src[i] : 0;
            }
        }
        const int32x4_t b = bias != NULL ? vldrwq_z_s32(bias + c, g.lanes) : vdupq_n_s32(0);
        for (int32_t v = 0; v < 9; ++v) {
            init[v / 3][v % 3] = dwm_init(padded + (v / 3) * DWM_ROW + (v % 3) * DWM_TAP, b, p->input_offset);
        }
        int8_t *out = output + c;
        for (int32_t batch = 0; batch < output_dims->n; ++batch) {
            const int8_t *image = input + (size_t)batch * in_h * in_w * channels + c;
            for (int32_t y = 0; y < out_h; ++y, out += (size_t)out_w * channels) {
                const int32_t y0 = y * p->stride_h - p->pad_h, y0c = dwm_clamp_origin(y0, in_h), dy = y0c - y0;
                dwm_row(&op, &g, count == 4, image + (size_t)y0c * g.in_y, padded + (1 + dy) * DWM_ROW,
                        init[1 + dy], out, from);
            }
        }
    }
}

/* (The variant's own frame stays off the stack when the DSP variant runs.) */
void th_depthwise_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                            const th_dims *input_dims, const int8_t *input,
                            const th_dims *filter_dims, const int8_t *filter,
                            const int32_t *bias,
                            const th_dims *output_dims, int8_t *output)
{
    if (dwm_applies(p, input_dims, filter_dims, output_dims)) {
        dwm_conv(p, q, input_dims, input, filter, bias, output_dims, output);
    } else {
        TH_DSP_ENTRY(th_depthwise_conv2d_s8)(p, q, scratch, input_dims, input, filter_dims, filter, bias,
                                             output_dims, output);
    }
}

#endif
