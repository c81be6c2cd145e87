/* The Helium intrinsics the MVE kernels use: <arm_mve.h> on the target, and
 * with TH_KERNELS_MVE_PORTABLE the same names in plain C, each with its
 * instruction's semantics (Armv8.1-M ARM, "MVE instructions"): lanes wrap
 * unless the instruction saturates; predicated loads give 0 in false lanes.
 * Keep each definition next to the instruction it models; add what a kernel
 * needs, grouped by kind. */
#ifndef TH_MVE_PORTABLE_H
#define TH_MVE_PORTABLE_H
#include <stdint.h>

#if !defined(TH_KERNELS_MVE_PORTABLE)
#include <arm_mve.h>
#else

typedef struct { int8_t v[16]; } int8x16_t;
typedef struct { int16_t v[8]; } int16x8_t;
typedef struct { int32_t v[4]; } int32x4_t;
typedef struct { int32x4_t val[4]; } int32x4x4_t;
typedef struct { uint32_t v[4]; } uint32x4_t;
typedef uint16_t mve_pred16_t; /* one bit per byte of the vector, as VPR.P0 */

static inline int32_t th_mvep_wrap(int64_t x) { return (int32_t)(uint32_t)(uint64_t)x; }
static inline int32_t th_mvep_sat(int64_t x)
{
    return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
}
static inline int th_mvep_lane_on(mve_pred16_t p, int lane, int bytes) { return (p >> (lane * bytes)) & 1; }

/* --- predicates ------------------------------------------------------------------------- */
static inline mve_pred16_t vctp8q(uint32_t n) { return n >= 16 ? 0xFFFFu : (mve_pred16_t)((1u << n) - 1u); }
static inline mve_pred16_t vctp32q(uint32_t n) { return n >= 4 ? 0xFFFFu : (mve_pred16_t)((1u << (4 * n)) - 1u); }

/* --- loads and stores ------------------------------------------------------------------- */
static inline int32x4_t vldrwq_s32(const int32_t *p)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = p[i];
    return r;
}
static inline int32x4_t vldrwq_z_s32(const int32_t *p, mve_pred16_t m)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = th_mvep_lane_on(m, i, 4) ? p[i] : 0;
    return r;
}
static inline int8x16_t vldrbq_s8(const int8_t *p)
{
    int8x16_t r;
    for (int i = 0; i < 16; ++i) r.v[i] = p[i];
    return r;
}
static inline int8x16_t vldrbq_z_s8(const int8_t *p, mve_pred16_t m)
{
    int8x16_t r;
    for (int i = 0; i < 16; ++i) r.v[i] = th_mvep_lane_on(m, i, 1) ? p[i] : 0;
    return r;
}
/* VLDRB.S32: four bytes sign-extended to words. */
static inline int32x4_t vldrbq_s32(const int8_t *p)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = p[i];
    return r;
}
static inline int32x4_t vldrbq_z_s32(const int8_t *p, mve_pred16_t m)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = th_mvep_lane_on(m, i, 4) ? p[i] : 0;
    return r;
}
/* VSTRB.32: the low byte of each word. */
static inline void vstrbq_s32(int8_t *p, int32x4_t x)
{
    for (int i = 0; i < 4; ++i) p[i] = (int8_t)(uint8_t)(uint32_t)x.v[i];
}
static inline void vstrbq_p_s32(int8_t *p, int32x4_t x, mve_pred16_t m)
{
    for (int i = 0; i < 4; ++i) {
        if (th_mvep_lane_on(m, i, 4)) p[i] = (int8_t)(uint8_t)(uint32_t)x.v[i];
    }
}
static inline void vstrbq_p_s8(int8_t *p, int8x16_t x, mve_pred16_t m)
{
    for (int i = 0; i < 16; ++i) {
        if (th_mvep_lane_on(m, i, 1)) p[i] = x.v[i];
    }
}
/* VSTRB.32 (scatter): the low byte of word i to base + offset[i]. */
static inline void vstrbq_scatter_offset_s32(int8_t *base, uint32x4_t offset, int32x4_t x)
{
    for (int i = 0; i < 4; ++i) base[offset.v[i]] = (int8_t)(uint8_t)(uint32_t)x.v[i];
}
static inline void vstrbq_scatter_offset_p_s32(int8_t *base, uint32x4_t offset, int32x4_t x, mve_pred16_t m)
{
    for (int i = 0; i < 4; ++i) {
        if (th_mvep_lane_on(m, i, 4)) base[offset.v[i]] = (int8_t)(uint8_t)(uint32_t)x.v[i];
    }
}
static inline void vstrwq_s32(int32_t *p, int32x4_t x)
{
    for (int i = 0; i < 4; ++i) p[i] = x.v[i];
}
static inline void vstrbq_s8(int8_t *p, int8x16_t x)
{
    for (int i = 0; i < 16; ++i) p[i] = x.v[i];
}
/* VST40..VST43.32: four vectors interleaved, p[4 * i + k] = x.val[k][i]; VLD40..VLD43 the inverse. */
static inline void vst4q_s32(int32_t *p, int32x4x4_t x)
{
    for (int i = 0; i < 4; ++i) {
        for (int k = 0; k < 4; ++k) p[4 * i + k] = x.val[k].v[i];
    }
}
static inline int32x4x4_t vld4q_s32(const int32_t *p)
{
    int32x4x4_t r;
    for (int i = 0; i < 4; ++i) {
        for (int k = 0; k < 4; ++k) r.val[k].v[i] = p[4 * i + k];
    }
    return r;
}

/* --- lane arithmetic -------------------------------------------------------------------- */
static inline int32x4_t vdupq_n_s32(int32_t x)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = x;
    return r;
}
static inline int8x16_t vdupq_n_s8(int8_t x)
{
    int8x16_t r;
    for (int i = 0; i < 16; ++i) r.v[i] = x;
    return r;
}
/* VIDUP: start, start + step, ... (step 1, 2, 4 or 8). */
static inline uint32x4_t vidupq_n_u32(uint32_t start, int step)
{
    uint32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = start + (uint32_t)(i * step);
    return r;
}
static inline uint32x4_t vmulq_n_u32(uint32x4_t a, uint32_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] *= b;
    return a;
}
/* VMLA (vector by scalar): a + m * s, wrapping. */
static inline int32x4_t vmlaq_n_s32(int32x4_t a, int32x4_t m, int32_t s)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] + (int64_t)m.v[i] * s);
    return a;
}
static inline int32x4_t vaddq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] + b.v[i]);
    return a;
}
/* VADD.I16 (wrapping). */
static inline int16x8_t vaddq_s16(int16x8_t a, int16x8_t b)
{
    for (int i = 0; i < 8; ++i) a.v[i] = (int16_t)(uint16_t)((uint32_t)(uint16_t)a.v[i] + (uint16_t)b.v[i]);
    return a;
}
static inline int32x4_t vsubq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] - b.v[i]);
    return a;
}
static inline int32x4_t vaddq_n_s32(int32x4_t a, int32_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] + b);
    return a;
}
/* VMUL.I32 (vector, and by a scalar): the low 32 bits of the product. */
static inline int32x4_t vmulq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] * b.v[i]);
    return a;
}
static inline int32x4_t vmulq_n_s32(int32x4_t a, int32_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] * b);
    return a;
}
/* VMLAS (scalar): a * b + c, wrapping. */
static inline int32x4_t vmlasq_n_s32(int32x4_t a, int32x4_t b, int32_t c)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_wrap((int64_t)a.v[i] * b.v[i] + c);
    return a;
}
static inline int32x4_t vqaddq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_sat((int64_t)a.v[i] + b.v[i]);
    return a;
}
static inline int32x4_t vmaxq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    return a;
}
static inline int32x4_t vminq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = a.v[i] < b.v[i] ? a.v[i] : b.v[i];
    return a;
}
static inline int32x4_t vandq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a.v[i] = (int32_t)((uint32_t)a.v[i] & (uint32_t)b.v[i]);
    return a;
}
/* VSHR (immediate, 1..32): arithmetic. */
static inline int32x4_t vshrq_n_s32(int32x4_t a, int n)
{
    for (int i = 0; i < 4; ++i) a.v[i] = (int32_t)((int64_t)a.v[i] >> n);
    return a;
}
/* VSHL (register): shift by the signed low byte of each lane of b; left
 * shifts wrap, right shifts are arithmetic and truncate. */
static inline int32x4_t vshlq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) {
        const int s = (int8_t)(uint8_t)(uint32_t)b.v[i];
        if (s >= 32) a.v[i] = 0;
        else if (s >= 0) a.v[i] = (int32_t)((uint32_t)a.v[i] << s);
        else a.v[i] = (int32_t)((int64_t)a.v[i] >> (s <= -32 ? 32 : -s));
    }
    return a;
}
/* VRSHL (register): as VSHL, but a right shift rounds half up (adds 2^(s-1) first, in 64 bits). */
static inline int32x4_t vrshlq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) {
        const int s = (int8_t)(uint8_t)(uint32_t)b.v[i];
        if (s >= 32) a.v[i] = 0;
        else if (s >= 0) a.v[i] = (int32_t)((uint32_t)a.v[i] << s);
        else {
            const int n = s < -32 ? 32 : -s;
            a.v[i] = th_mvep_wrap(((int64_t)a.v[i] + ((int64_t)1 << (n - 1))) >> n);
        }
    }
    return a;
}
/* VSHL (scalar register): every lane shifted as vshlq_s32 by b. */
static inline int32x4_t vshlq_r_s32(int32x4_t a, int32_t b) { return vshlq_s32(a, vdupq_n_s32(b)); }
/* VRSHL (scalar register): every lane shifted as vrshlq_s32 by b. */
static inline int32x4_t vrshlq_n_s32(int32x4_t a, int32_t b) { return vrshlq_s32(a, vdupq_n_s32(b)); }
/* VQRDMULH: saturate((2ab + 2^31) >> 32). */
static inline int32x4_t vqrdmulhq_s32(int32x4_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) {
        if (a.v[i] == INT32_MIN && b.v[i] == INT32_MIN) {
            a.v[i] = INT32_MAX;
        } else {
            a.v[i] = (int32_t)(((int64_t)a.v[i] * b.v[i] * 2 + ((int64_t)1 << 31)) >> 32);
        }
    }
    return a;
}

/* VQRDMULH (scalar). */
static inline int32x4_t vqrdmulhq_n_s32(int32x4_t a, int32_t b) { return vqrdmulhq_s32(a, vdupq_n_s32(b)); }
/* VQRDMLAH (scalar): saturate((a * 2^32 + 2bc + 2^31) >> 32), that is a + ((bc + 2^30) >> 31). */
static inline int32x4_t vqrdmlahq_n_s32(int32x4_t a, int32x4_t b, int32_t c)
{
    for (int i = 0; i < 4; ++i) a.v[i] = th_mvep_sat((int64_t)a.v[i] + (((int64_t)b.v[i] * c + (1 << 30)) >> 31));
    return a;
}

/* --- widening ---------------------------------------------------------------------------- */
/* VMULLB.S8 / VMULLT.S8: the even (bottom) or odd (top) byte lanes multiplied into int16 lanes. */
static inline int16x8_t vmullbq_int_s8(int8x16_t a, int8x16_t b)
{
    int16x8_t r;
    for (int i = 0; i < 8; ++i) r.v[i] = (int16_t)(a.v[2 * i] * b.v[2 * i]);
    return r;
}
static inline int16x8_t vmulltq_int_s8(int8x16_t a, int8x16_t b)
{
    int16x8_t r;
    for (int i = 0; i < 8; ++i) r.v[i] = (int16_t)(a.v[2 * i + 1] * b.v[2 * i + 1]);
    return r;
}
/* VMOVLB.S16 / VMOVLT.S16: the even or odd int16 lanes sign-extended to int32. */
static inline int32x4_t vmovlbq_s16(int16x8_t a)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = a.v[2 * i];
    return r;
}
static inline int32x4_t vmovltq_s16(int16x8_t a)
{
    int32x4_t r;
    for (int i = 0; i < 4; ++i) r.v[i] = a.v[2 * i + 1];
    return r;
}

/* --- reductions ------------------------------------------------------------------------- */
/* VMLADAVA.S8: acc + the sum of the sixteen lane products (wrapping to 32 bits). */
static inline int32_t vmladavaq_s8(int32_t acc, int8x16_t a, int8x16_t b)
{
    int64_t s = acc;
    for (int i = 0; i < 16; ++i) s += (int32_t)a.v[i] * b.v[i];
    return th_mvep_wrap(s);
}
static inline int32_t vmladavq_s8(int8x16_t a, int8x16_t b) { return vmladavaq_s8(0, a, b); }
static inline int32_t vmladavaq_p_s8(int32_t acc, int8x16_t a, int8x16_t b, mve_pred16_t m)
{
    int64_t s = acc;
    for (int i = 0; i < 16; ++i) {
        if (th_mvep_lane_on(m, i, 1)) s += (int32_t)a.v[i] * b.v[i];
    }
    return th_mvep_wrap(s);
}
/* VMAXV.S32: the largest of a and the four lanes. */
static inline int32_t vmaxvq_s32(int32_t a, int32x4_t b)
{
    for (int i = 0; i < 4; ++i) a = b.v[i] > a ? b.v[i] : a;
    return a;
}
/* VMINV.S8: the smallest of a and the sixteen lanes. */
static inline int8_t vminvq_s8(int8_t a, int8x16_t b)
{
    for (int i = 0; i < 16; ++i) a = b.v[i] < a ? b.v[i] : a;
    return a;
}
/* VMLADAV.S8 in a VPT block: the sum of the products of the lanes m has on. */
static inline int32_t vmladavq_p_s8(int8x16_t a, int8x16_t b, mve_pred16_t m) { return vmladavaq_p_s8(0, a, b, m); }
/* VADDVA.S8: acc + the sum of the sixteen lanes. */
static inline int32_t vaddvaq_s8(int32_t acc, int8x16_t a)
{
    int64_t s = acc;
    for (int i = 0; i < 16; ++i) s += a.v[i];
    return th_mvep_wrap(s);
}
static inline int32_t vaddvaq_p_s8(int32_t acc, int8x16_t a, mve_pred16_t m)
{
    int64_t s = acc;
    for (int i = 0; i < 16; ++i) {
        if (th_mvep_lane_on(m, i, 1)) s += a.v[i];
    }
    return th_mvep_wrap(s);
}

#endif /* TH_KERNELS_MVE_PORTABLE */
#endif
