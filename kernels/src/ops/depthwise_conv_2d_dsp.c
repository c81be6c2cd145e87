/* DEPTHWISE_CONV_2D, int8, DSP-extension variant of th_depthwise_conv2d_s8
 * (see dsp_s8.h): byte-exact with the reference kernel in depthwise_conv_2d.c.
 *
 * Channels are the outer loop, so their quantization is prepared once for
 * every pixel.  With a depth multiplier of 1 they go four at a time: for each
 * tap inside the image (a rectangle of taps per pixel), one word of input and
 * one of filter are split into int16 lanes (the input offset added in the
 * same instruction) and each lane multiply-accumulates into its own channel
 * (SMLABB/SMLATT).  The last depth % 4 channels, and all of them with a depth
 * multiplier above 1, go one at a time. */
#include "dsp_s8.h"

#if TH_KERNELS_DSP


/* Where the taps of one output pixel are: a rectangle of rows x cols taps,
 * the first at in and f, neighbours *_x bytes apart in a row and *_y bytes
 * apart between rows. */
typedef struct {
    ptrdiff_t in_x, in_y, f_x, f_y;
    uint32_t lanes;
} dw_steps;

/* One row of output pixels for one to four channels: what stays the same along it. */
typedef struct {
    const int8_t *in_row;    /* the first filter row inside the image: input at column 0, channel c */
    const int8_t *f_row;     /* and the filter at that row, column 0, channel c */
    int32_t rows;            /* filter rows inside the image */
    int32_t channels;        /* 4, or 1 */
    int32_t in_w, in_c, out_w, out_c;
    int32_t filter_w, stride_w, pad_w, dilation_w, input_offset;
    dw_steps st;
    int32_t bias[4];
    th_dsp_quant q[4];
    th_dsp_out o;
} dw_line;

/* One output pixel of four channels: its taps, a rectangle of rows x cols from in and f. */
static TH_DSP_NOINLINE void dw_pixel4(const dw_line *l, const int8_t *in, const int8_t *f, int32_t rows,
                                      int32_t cols, int8_t *out)
{
    int32_t a0 = l->bias[0], a1 = l->bias[1], a2 = l->bias[2], a3 = l->bias[3];
    if (rows > 0) {
        const ptrdiff_t in_step = l->st.in_x, f_step = l->st.f_x;
        const uint32_t lanes = l->st.lanes;
#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
        /* Rows and taps in one loop nest: a C loop around it could hold a
         * register for itself (Armv8.1-M's low-overhead loops keep their count
         * in LR), and the taps need fourteen.  What the rows need comes from
         * the stack. */
        const ptrdiff_t in_next = l->st.in_y - cols * in_step, f_next = l->st.f_y - cols * f_step;
        int32_t taps, v, vo, w, wo;
        __asm__ volatile(
            "2:\n\t"
            "ldr %[taps], %[cols]\n\t"
            "1:\n\t"
            "ldr %[v], [%[in]]\n\t"
            "add %[in], %[in], %[in_step]\n\t"
            "sxtab16 %[vo], %[lanes], %[v], ror #8\n\t"
            "sxtab16 %[v], %[lanes], %[v]\n\t"
            "ldr %[w], [%[f]]\n\t"
            "add %[f], %[f], %[f_step]\n\t"
            "sxtb16 %[wo], %[w], ror #8\n\t"
            "sxtb16 %[w], %[w]\n\t"
            "smlabb %[a0], %[v], %[w], %[a0]\n\t"
            "smlatt %[a2], %[v], %[w], %[a2]\n\t"
            "smlabb %[a1], %[vo], %[wo], %[a1]\n\t"
            "smlatt %[a3], %[vo], %[wo], %[a3]\n\t"
            "subs %[taps], %[taps], #1\n\t"
            "bne 1b\n\t"
            "ldr %[v], %[in_next]\n\t"
            "add %[in], %[in], %[v]\n\t"
            "ldr %[w], %[f_next]\n\t"
            "add %[f], %[f], %[w]\n\t"
            "ldr %[v], %[rows]\n\t"
            "subs %[v], %[v], #1\n\t"
            "str %[v], %[rows]\n\t"
            "bne 2b"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [in] "+r"(in), [f] "+r"(f),
              [taps] "=&r"(taps), [v] "=&r"(v), [vo] "=&r"(vo), [w] "=&r"(w), [wo] "=&r"(wo), [rows] "+m"(rows)
            : [in_step] "r"(in_step), [f_step] "r"(f_step), [lanes] "r"(lanes), [cols] "m"(cols),
              [in_next] "m"(in_next), [f_next] "m"(f_next)
            : "cc", "memory");
#else
        for (; rows > 0; --rows) {
            for (int32_t x = 0; x < cols; ++x) {
                const uint32_t v = th_dsp_read4(in + x * in_step), w = th_dsp_read4(f + x * f_step);
                const uint32_t ve = th_dsp_even_add(lanes, v), we = th_dsp_even(w);
                const uint32_t vo = th_dsp_odd_add(lanes, v), wo = th_dsp_odd(w);
                a0 = th_dsp_smlabb(ve, we, a0);
                a2 = th_dsp_smlatt(ve, we, a2);
                a1 = th_dsp_smlabb(vo, wo, a1);
                a3 = th_dsp_smlatt(vo, wo, a3);
            }
            in += l->st.in_y;
            f += l->st.f_y;
        }
#endif
    }
    const th_dsp_out o = l->o; /* a copy: the stores below could alias l as far as the compiler knows */
    out[0] = th_dsp_output(a0, &l->q[0], &o);
    out[1] = th_dsp_output(a1, &l->q[1], &o);
    out[2] = th_dsp_output(a2, &l->q[2], &o);
    out[3] = th_dsp_output(a3, &l->q[3], &o);
}

/* The same for one channel (the last depth % 4, or a depth multiplier above 1). */
static TH_DSP_NOINLINE void dw_pixel1(const dw_line *l, const int8_t *in, const int8_t *f, int32_t rows,
                                      int32_t cols, int8_t *out)
{
    int32_t acc = l->bias[0];
    for (; rows > 0; --rows) {
        for (int32_t x = 0; x < cols; ++x) {
            acc = th_add_wrap(acc, (in[x * l->st.in_x] + l->input_offset) * f[x * l->st.f_x]);
        }
        in += l->st.in_y;
        f += l->st.f_y;
    }
    out[0] = th_dsp_output(acc, &l->q[0], &l->o);
}

static TH_DSP_NOINLINE void dw_line_run(const dw_line *l, int8_t *out)
{
    const int32_t span_w = (l->filter_w - 1) * l->dilation_w; /* from a window's first column to its last */
    int32_t in_x0 = -l->pad_w;
    for (int32_t out_x = 0; out_x < l->out_w; ++out_x, in_x0 += l->stride_w, out += l->out_c) {
        int32_t fx_lo = 0, fx_hi = l->filter_w;
        if (in_x0 < 0 || in_x0 + span_w >= l->in_w) {
            th_dsp_tap_range(in_x0, l->in_w, l->filter_w, l->dilation_w, &fx_lo, &fx_hi);
        }
        const int32_t rows = fx_hi > fx_lo ? l->rows : 0;
        const int8_t *in = l->in_row + (ptrdiff_t)(in_x0 + fx_lo * l->dilation_w) * l->in_c;
        const int8_t *f = l->f_row + (ptrdiff_t)fx_lo * l->out_c;
        if (l->channels == 4) {
            dw_pixel4(l, in, f, rows, fx_hi - fx_lo, out);
        } else {
            dw_pixel1(l, in, f, rows, fx_hi - fx_lo, out);
        }
    }
}


/* --- 3x3 filters, depth multiplier 1, dilation 1: four channels per pass, no bounds checks ---
 *
 * Every output pixel reads a 3x3 window that lies inside the image: where the
 * real window crosses the border, the window is moved inside by d rows or
 * columns (|d| <= 1, as SAME or VALID padding gives) and the filter with it,
 * the taps that fall off the filter weighted 0.  Every tap of the real window
 * inside the image is still read once with its weight, and the others add
 * nothing, so the sum is the reference kernel's.  A filter moved by (dy, dx)
 * is a "variant"; the pixels of an output row come in runs of one variant.
 *
 * The requantization is th_dsp_fast_quant's (dsp_s8.h), then SSAT to int8
 * and the activation clamp on four bytes at once (the clamp range lies in
 * int8, so clamping the saturated value is the same).  Where the four
 * channels' right1 are at most 22 the output zero point is folded into
 * round_hi instead (offset << right1: |hi| < 2^30 + 2^29 + 2^21 stays in
 * int32), which saves the SXTAB ("fold").
 *
 * The runs of the whole output (or of as many rows as the list holds) are
 * listed once, grouped by variant; one call then does a variant's runs for
 * four channels, with the one variant context rebuilt in place between the
 * calls.  So the buffers are small enough for the stack (th_depthwise_conv2d_s8's
 * frame) and the op asks for no scratch: a depthwise layer where the arena
 * peaks does not raise it. */
enum { DW3_MAX_RUNS = 8, DW3_MAX_FOLD = 22, DW3_FLAT = 96 };

/* A variant: the assembly's base register points at q; the seven words
 * before it are loaded with one LDMDB. */
typedef struct {
    int32_t bias[4];        /* -28 */
    uint32_t lanes;         /* -12: the input offset in both int16 lanes */
    int32_t s;              /*  -8: one input pixel (in_c bytes) */
    int32_t in_y;           /*  -4: one input row */
    int32_t q[12];          /*   0: th_dsp_fast_quant's three words per channel (round_hi with the offset when folded) */
    int32_t adv;            /*  48: to the next pixel's window from its third column */
    int32_t out_step;       /*  52: out_c */
    uint32_t out_end;       /*  56: where the run ends (dw3_rows's) */
    uint32_t minv, maxv;    /*  60: act_min and act_max in every byte */
    uint32_t w[18];         /*  68: per tap, the filter's even and odd channels as int16 lanes */
    int32_t fold;           /* 140: (the C version's) */
} dw3_ctx;

/* A run of pixels of one variant: its first window at in + the channel, its
 * outputs from out + the channel up to out_end + the channel.  With in NULL,
 * a switch to another variant: out_end points at its filter rows (uint32_t,
 * in dw3_work's padded filter). */
typedef struct {
    const int8_t *in;
    int8_t *out_end;
    int8_t *out;
} dw3_run;

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
/* The offsets the assembly below names. */
_Static_assert(sizeof(void *) == 4 && offsetof(dw3_ctx, q) == 28 && offsetof(dw3_ctx, adv) == 28 + 48 &&
                   offsetof(dw3_ctx, out_end) == 28 + 56 && offsetof(dw3_ctx, minv) == 28 + 60 &&
                   offsetof(dw3_ctx, w) == 28 + 68 && offsetof(dw3_ctx, fold) == 28 + 140,
               "dw3_ctx layout");
#define DW3_TAP(ADDR, W)                     \
    "ldr r4, " ADDR "\n\t"                   \
    "sxtab16 r5, r8, r4, ror #8\n\t"         \
    "sxtab16 r4, r8, r4\n\t"                 \
    "ldrd r6, r7, [r12, #" W "]\n\t"         \
    "smlabb r0, r4, r6, r0\n\t"              \
    "smlatt r2, r4, r6, r2\n\t"              \
    "smlabb r1, r5, r7, r1\n\t"              \
    "smlatt r3, r5, r7, r3\n\t"
/* acc (r0..r3) requantized to int8 (result in acc); params in M, RH, SH; r10 free. */
#define DW3_REQ_CORE(A, M, RH, SH)           \
    "and r10, " A ", #0x80000000\n\t"        \
    "orr r10, r10, #0x40000000\n\t"          \
    "add " RH ", " RH ", " A ", asr #31\n\t" \
    "smlal r10, " RH ", " A ", " M "\n\t"    \
    "asr " RH ", " RH ", " SH "\n\t"
#define DW3_REQ_SX(A, M, RH, SH) DW3_REQ_CORE(A, M, RH, SH) \
    "sxtab " RH ", " RH ", " SH ", ror #8\n\t" \
    "ssat " A ", #8, " RH "\n\t"
#define DW3_REQ_FOLD(A, M, RH, SH) DW3_REQ_CORE(A, M, RH, SH) \
    "ssat " A ", #8, " RH "\n\t"

/* The list [first, end) for channels `channel`..+3 with the context at k
 * (its q): a run of pixels, or a variant switch (in NULL), which copies the
 * variant's filter rows (out_end: three rows of six words, ten words apart)
 * into the context.  Registers in a run r0-r3 accumulators, r4-r7 input and
 * filter lanes, r8 offset lanes, r9 s, r10 in_y, r11 in, r12 k, lr out; on
 * the stack the list cursor, its end, the channel and k. */
#define DW3_ROWS_ASM(REQ, CLAMP, ADV)                      \
    "push {r4-r11, lr}\n\t"                                \
    "sub sp, sp, #16\n\t"                                  \
    "strd r0, r1, [sp]\n\t"                                \
    "strd r3, r2, [sp, #8]\n\t"                            \
    "2:\n\t"                                               \
    "ldr r4, [sp]\n\t"                                     \
    "ldm r4!, {r5, r6, lr}\n\t"                            \
    "str r4, [sp]\n\t"                                     \
    "ldrd r7, r12, [sp, #8]\n\t"                           \
    "cbnz r5, 5f\n\t"                                      \
    "add r10, r12, #68\n\t"                                \
    "ldm r6, {r0-r5}\n\t"                                  \
    "stm r10!, {r0-r5}\n\t"                                \
    "add r6, r6, #40\n\t"                                  \
    "ldm r6, {r0-r5}\n\t"                                  \
    "stm r10!, {r0-r5}\n\t"                                \
    "add r6, r6, #40\n\t"                                  \
    "ldm r6, {r0-r5}\n\t"                                  \
    "stm r10!, {r0-r5}\n\t"                                \
    "b 4f\n\t"                                             \
    "5:\n\t"                                               \
    "add r11, r5, r7\n\t"                                  \
    "add r6, r6, r7\n\t"                                   \
    "add lr, lr, r7\n\t"                                   \
    "str r6, [r12, #56]\n\t"                               \
    "1:\n\t"                                               \
    "ldmdb r12, {r0-r3, r8-r10}\n\t"                       \
    DW3_TAP("[r11]", "68")                                 \
    DW3_TAP("[r11, r10]", "92")                            \
    DW3_TAP("[r11, r10, lsl #1]", "116")                   \
    "add r11, r11, r9\n\t"                                 \
    DW3_TAP("[r11]", "76")                                 \
    DW3_TAP("[r11, r10]", "100")                           \
    DW3_TAP("[r11, r10, lsl #1]", "124")                   \
    "add r11, r11, r9\n\t"                                 \
    DW3_TAP("[r11]", "84")                                 \
    DW3_TAP("[r11, r10]", "108")                           \
    DW3_TAP("[r11, r10, lsl #1]", "132")                   \
    ADV                                                    \
    "ldm r12, {r4-r9}\n\t"                                 \
    REQ("r0", "r4", "r5", "r6")                            \
    REQ("r1", "r7", "r8", "r9")                            \
    "add r10, r12, #24\n\t"                                \
    "ldm r10, {r4-r9}\n\t"                                 \
    REQ("r2", "r4", "r5", "r6")                            \
    REQ("r3", "r7", "r8", "r9")                            \
    "bfi r0, r1, #8, #8\n\t"                               \
    "bfi r0, r2, #16, #8\n\t"                              \
    "bfi r0, r3, #24, #8\n\t"                              \
    CLAMP                                                  \
    "str r0, [lr]\n\t"                                     \
    "ldrd r4, r5, [r12, #52]\n\t"                          \
    "add lr, lr, r4\n\t"                                   \
    "cmp lr, r5\n\t"                                       \
    "bne 1b\n\t"                                           \
    "4:\n\t"                                               \
    "ldrd r4, r5, [sp]\n\t"                                \
    "cmp r4, r5\n\t"                                       \
    "bne 2b\n\t"                                           \
    "add sp, sp, #16\n\t"                                  \
    "pop {r4-r11, pc}\n\t"

/* To the next window, the filter's columns done: back one pixel at stride 1, else adv. */
#define DW3_ADV_1 "sub r11, r11, r9\n\t"
#define DW3_ADV_N "ldr r4, [r12, #48]\n\t" "add r11, r11, r4\n\t"

#define DW3_ROWS_FN(NAME, REQ, CLAMP, ADV)                                                                \
    __attribute__((naked, noinline)) static void NAME(const dw3_run *first, const dw3_run *end,             \
                                                      const int32_t *k, int32_t channel)                 \
    {                                                                                                     \
        __asm__ volatile(DW3_ROWS_ASM(REQ, CLAMP, ADV));                                                  \
    }
DW3_ROWS_FN(dw3_rows_sx, DW3_REQ_SX, "", DW3_ADV_N)
DW3_ROWS_FN(dw3_rows_fold, DW3_REQ_FOLD, "", DW3_ADV_N)
DW3_ROWS_FN(dw3_rows_sx_1, DW3_REQ_SX, "", DW3_ADV_1)
DW3_ROWS_FN(dw3_rows_fold_1, DW3_REQ_FOLD, "", DW3_ADV_1)

/* stride1: the step back is one instruction (DW3_ADV_1).  No clamp here: SSAT bounds the
 * outputs to int8, and th_depthwise_conv2d_s8 clamps a narrower activation range afterwards
 * (th_dsp_clamp_s8). */
static void dw3_rows(const dw3_run *first, const dw3_run *end, dw3_ctx *k, int32_t channel, int fold, int full,
                     int stride1)
{
    typedef void (*rows_fn)(const dw3_run *, const dw3_run *, const int32_t *, int32_t);
    static const rows_fn fns[2][2] = {{dw3_rows_sx, dw3_rows_fold}, {dw3_rows_sx_1, dw3_rows_fold_1}};
    (void)full;
    fns[stride1 != 0][fold != 0](first, end, k->q, channel);
}

/* k = head with the filter rows at rows[0], rows[10], rows[20] (six words each). */
__attribute__((naked, noinline)) static void dw3_build(dw3_ctx *k, const dw3_ctx *head, const uint32_t *rows)
{
    __asm__ volatile(
        "push {r4-r10, lr}\n\t"
        "ldm r1!, {r3-r10}\n\t"
        "stm r0!, {r3-r10}\n\t"
        "ldm r1!, {r3-r10}\n\t"
        "stm r0!, {r3-r10}\n\t"
        "ldm r1!, {r3-r10}\n\t"
        "stm r0!, {r3-r10}\n\t"
        "ldm r2, {r3-r8}\n\t"
        "stm r0!, {r3-r8}\n\t"
        "add r2, r2, #40\n\t"
        "ldm r2, {r3-r8}\n\t"
        "stm r0!, {r3-r8}\n\t"
        "add r2, r2, #40\n\t"
        "ldm r2, {r3-r8}\n\t"
        "stm r0!, {r3-r8}\n\t"
        "pop {r4-r10, pc}\n\t");
}
#else
static void dw3_build(dw3_ctx *k, const dw3_ctx *head, const uint32_t *rows)
{
    *k = *head;
    for (int32_t ty = 0; ty < 3; ++ty) {
        for (int32_t i = 0; i < 6; ++i) {
            k->w[6 * ty + i] = rows[10 * ty + i];
        }
    }
}

static void dw3_pixels(const dw3_ctx *k, const int8_t *in, int8_t *out, const int8_t *out_end)
{
    do {
        int32_t acc[4] = {k->bias[0], k->bias[1], k->bias[2], k->bias[3]};
        for (int32_t t = 0; t < 9; ++t) {
            const uint32_t v = th_dsp_read4(in + (t / 3) * k->in_y + (t % 3) * k->s);
            const uint32_t ve = th_dsp_even_add(k->lanes, v), vo = th_dsp_odd_add(k->lanes, v);
            const uint32_t we = k->w[2 * t], wo = k->w[2 * t + 1];
            acc[0] = th_dsp_smlabb(ve, we, acc[0]);
            acc[2] = th_dsp_smlatt(ve, we, acc[2]);
            acc[1] = th_dsp_smlabb(vo, wo, acc[1]);
            acc[3] = th_dsp_smlatt(vo, wo, acc[3]);
        }
        for (int32_t i = 0; i < 4; ++i) {
            int32_t q3[3] = {k->q[3 * i], k->q[3 * i + 1], k->q[3 * i + 2]};
            if (k->fold) {
                q3[2] &= 0xFF; /* the offset is in round_hi */
            }
            const int32_t r = th_clamp(th_dsp_fast_requantize(acc[i], q3),
                                       (int8_t)(uint8_t)k->minv, (int8_t)(uint8_t)k->maxv);
            out[i] = (int8_t)r;
        }
        in += 2 * k->s + k->adv;
        out += k->out_step;
    } while (out != out_end);
}

static void dw3_rows(const dw3_run *first, const dw3_run *end, dw3_ctx *k, int32_t channel, int fold, int full,
                     int stride1)
{
    (void)fold;
    (void)full;
    (void)stride1;
    for (; first != end; ++first) {
        if (first->in == NULL) {
            const uint32_t *rows = (const uint32_t *)(const void *)first->out_end;
            for (int32_t ty = 0; ty < 3; ++ty) {
                for (int32_t i = 0; i < 6; ++i) {
                    k->w[6 * ty + i] = rows[10 * ty + i];
                }
            }
            continue;
        }
        dw3_pixels(k, first->in + channel, first->out + channel, first->out_end + channel);
    }
}
#endif

/* Where the 3x3 window of a pixel starting at `origin` is moved to lie inside [0, size). */
static int32_t dw3_clamp_origin(int32_t origin, int32_t size)
{
    return origin < 0 ? 0 : origin > size - 3 ? size - 3 : origin;
}

/* What the 3x3 path needs from the op, worked out once; 0 if it does not apply. */
typedef struct {
    int32_t runs;
    int32_t run_x[DW3_MAX_RUNS + 1]; /* run r is pixels [run_x[r], run_x[r + 1]) */
    int32_t run_d[DW3_MAX_RUNS];     /* their dx */
} dw3_plan;

static int dw3_applies(const th_conv_params *p, const th_dims *in, const th_dims *f, const th_dims *out, dw3_plan *pl)
{
    if (f->h != 3 || f->w != 3 || p->depth_multiplier != 1 || p->dilation_h != 1 || p->dilation_w != 1 ||
        in->h < 3 || in->w < 3 || out->c < 4 || p->act_min < -128 || p->act_max > 127 || p->act_min > p->act_max) {
        return 0;
    }
    /* d is monotone along an axis: its extremes bound it. */
    const int32_t y_last = (out->h - 1) * p->stride_h - p->pad_h, x_last = (out->w - 1) * p->stride_w - p->pad_w;
    if (dw3_clamp_origin(-p->pad_h, in->h) + p->pad_h > 1 || dw3_clamp_origin(y_last, in->h) - y_last < -1 ||
        dw3_clamp_origin(-p->pad_w, in->w) + p->pad_w > 1 || dw3_clamp_origin(x_last, in->w) - x_last < -1) {
        return 0;
    }
    pl->runs = 0;
    for (int32_t x = 0; x < out->w; ++x) {
        const int32_t x0 = x * p->stride_w - p->pad_w, d = dw3_clamp_origin(x0, in->w) - x0;
        if (pl->runs == 0 || pl->run_d[pl->runs - 1] != d) {
            if (pl->runs == DW3_MAX_RUNS) {
                return 0;
            }
            pl->run_x[pl->runs] = x;
            pl->run_d[pl->runs++] = d;
        }
    }
    pl->run_x[pl->runs] = out->w;
    return 1;
}

/* The quantization of channels c..c + 3 in dw3's form into head (folded
 * where it can be), or 0 if one is outside it. */
static int dw3_quant(const th_channel_quant *q, int32_t c, int32_t output_offset, dw3_ctx *head)
{
    const int32_t step = q->count > 1 ? 1 : 0;
    th_quant qc[4];
    int fold = 1;
    for (int32_t i = 0; i < 4; ++i) {
        qc[i] = th_quant_at(q, step * (c + i));
        const int32_t sh = qc[i].shift;
        if (sh < TH_DSP_FAST_MIN_SHIFT || sh > TH_DSP_FAST_MAX_SHIFT) {
            return 0;
        }
        fold &= -sh - 1 <= DW3_MAX_FOLD;
    }
    head->fold = fold;
    for (int32_t i = 0; i < 4; ++i) {
        const int32_t sh = qc[i].shift;
        th_dsp_fast_quant(qc[i].multiplier, sh, output_offset, &head->q[3 * i]);
        if (fold) {
            head->q[3 * i + 1] = (int32_t)((uint32_t)head->q[3 * i + 1] + ((uint32_t)output_offset << (-sh - 1)));
        }
    }
    return 1;
}

/* The runs of the rows listed, grouped by variant (3 * (dy + 1) + dx + 1),
 * each group after its switch.  The list is the same for every four channels
 * (the context's filter rows are rewritten at each switch), so it is made
 * once when every row's runs fit; else as many rows as fit at a time. */
typedef struct {
    dw3_ctx ctx;                  /* the variant being run */
    uint32_t padded[5][5][2];     /* four channels' filter lanes with a ring of zeros (dw3_block) */
    dw3_run runs[DW3_FLAT];       /* each variant's switch, then its runs */
    int32_t n_runs;               /* entries listed */
    int32_t rows_per_list;        /* rows whose runs (and the switches) fit the list */
    int all_listed;               /* every row's runs are in the list */
} dw3_work;

/* dy of output row out_y, and the row's input at channel 0 of batch image `image`. */
static int32_t dw3_row_in(const th_conv_params *p, const th_dims *in, const int8_t *image, int32_t out_y,
                          const int8_t **row)
{
    const int32_t y0 = out_y * p->stride_h - p->pad_h, y0c = dw3_clamp_origin(y0, in->h);
    *row = image + (size_t)y0c * in->w * in->c;
    return y0c - y0;
}

/* Lists the runs of output rows [row0, row1) (counting over the batches), grouped by variant. */
static void dw3_list(dw3_work *wk, const th_conv_params *p, const dw3_plan *pl, const th_dims *in,
                     const int8_t *input, const th_dims *out, int8_t *output, int32_t row0, int32_t row1)
{
    int32_t at[9] = {0};
    for (int32_t row = row0; row < row1; ++row) { /* how many of each variant */
        const int8_t *row_in;
        const int32_t out_y = row % out->h;
        const int32_t dy = dw3_row_in(p, in, input, out_y, &row_in);
        for (int32_t r = 0; r < pl->runs; ++r) {
            ++at[3 * (dy + 1) + pl->run_d[r] + 1];
        }
    }
    int32_t n = 0;
    for (int32_t v = 0; v < 9; ++v) { /* each group's switch, then room for its runs */
        const int32_t count = at[v];
        at[v] = n + 1;
        if (count > 0) {
            dw3_run *sw = &wk->runs[n];
            sw->in = NULL;
            sw->out_end = (int8_t *)(void *)&wk->padded[v / 3][v % 3][0]; /* [dy + 1][dx + 1] */
            sw->out = NULL;
            n += 1 + count;
        }
    }
    wk->n_runs = n;
    for (int32_t row = row0; row < row1; ++row) {
        const int32_t batch = row / out->h, out_y = row - batch * out->h;
        const int8_t *row_in;
        const int32_t dy = dw3_row_in(p, in, input + (size_t)batch * in->h * in->w * in->c, out_y, &row_in);
        int8_t *row_out = output + (size_t)row * out->w * out->c;
        for (int32_t r = 0; r < pl->runs; ++r) {
            dw3_run *dst = &wk->runs[at[3 * (dy + 1) + pl->run_d[r] + 1]++];
            const int32_t x0 = pl->run_x[r] * p->stride_w - p->pad_w;
            dst->in = row_in + (size_t)dw3_clamp_origin(x0, in->w) * in->c;
            dst->out = row_out + (size_t)pl->run_x[r] * out->c;
            dst->out_end = row_out + (size_t)pl->run_x[r + 1] * out->c;
        }
    }
}

static void dw3_work_init(dw3_work *wk, const th_conv_params *p, const dw3_plan *pl, const th_dims *in,
                          const int8_t *input, const th_dims *out, int8_t *output)
{
    const int32_t rows = out->n * out->h;
    for (int32_t i = 0; i < 5; ++i) { /* the padded filter's ring (dw3_block writes the inside) */
        wk->padded[0][i][0] = wk->padded[0][i][1] = wk->padded[4][i][0] = wk->padded[4][i][1] = 0;
        wk->padded[i][0][0] = wk->padded[i][0][1] = wk->padded[i][4][0] = wk->padded[i][4][1] = 0;
    }
    wk->rows_per_list = (DW3_FLAT - 9) / pl->runs; /* >= 10: runs <= DW3_MAX_RUNS */
    wk->all_listed = rows <= wk->rows_per_list;
    if (wk->all_listed) {
        dw3_list(wk, p, pl, in, input, out, output, 0, rows);
    }
}

/* Channels c..c + 3 of the whole output. */
static TH_DSP_NOINLINE void dw3_block(const th_conv_params *p, const dw3_plan *pl, dw3_work *wk,
                                      const dw3_ctx *head, const th_dims *input_dims, const int8_t *input,
                                      const int8_t *filter, const th_dims *output_dims, int8_t *output, int32_t c)
{
    const int32_t out_c = output_dims->c;
    /* The filter's lanes with a ring of zeros: a variant's rows are three rows of six words of it. */
    uint32_t (*padded)[5][2] = wk->padded; /* its ring of zeros set by dw3_work_init */
    const int8_t *f = filter + c;
    for (int32_t fy = 1; fy <= 3; ++fy) {
        for (int32_t fx = 1; fx <= 3; ++fx, f += out_c) {
            const uint32_t w = th_dsp_read4(f);
            padded[fy][fx][0] = th_dsp_even(w);
            padded[fy][fx][1] = th_dsp_odd(w);
        }
    }
    const int full = head->minv == 0x80808080u && head->maxv == 0x7F7F7F7Fu;
    const int stride1 = p->stride_w == 1;
    dw3_build(&wk->ctx, head, &padded[1][1][0]); /* the head; each switch sets the filter rows */
#if !defined(__ARM_FEATURE_DSP) || defined(TH_KERNELS_DSP_PORTABLE)
    wk->ctx.fold = head->fold; /* (only the C version reads it) */
#endif
    if (wk->all_listed) {
        dw3_rows(wk->runs, wk->runs + wk->n_runs, &wk->ctx, c, head->fold, full, stride1);
        return;
    }
    /* More runs than the list holds: as many rows as fit at a time. */
    const int32_t rows = output_dims->n * output_dims->h;
    for (int32_t row = 0; row < rows; row += wk->rows_per_list) {
        const int32_t end = rows - row < wk->rows_per_list ? rows : row + wk->rows_per_list;
        dw3_list(wk, p, pl, input_dims, input, output_dims, output, row, end);
        dw3_rows(wk->runs, wk->runs + wk->n_runs, &wk->ctx, c, head->fold, full, stride1);
    }
}

void TH_DSP_ENTRY(th_depthwise_conv2d_s8)(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                                          const th_dims *input_dims, const int8_t *input,
                                          const th_dims *filter_dims, const int8_t *filter,
                                          const int32_t *bias,
                                          const th_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t filter_h = filter_dims->h, filter_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t depth_multiplier = p->depth_multiplier;
    /* Four channels at a time up to `wide`, then one at a time. */
    const int32_t wide = depth_multiplier == 1 ? out_c & ~3 : 0;
    dw_line l;
    l.in_w = in_w;
    l.in_c = in_c;
    l.out_w = out_w;
    l.out_c = out_c;
    l.filter_w = filter_w;
    l.stride_w = p->stride_w;
    l.pad_w = p->pad_w;
    l.dilation_w = p->dilation_w;
    l.input_offset = p->input_offset;
    l.st.in_x = (ptrdiff_t)p->dilation_w * in_c;
    l.st.in_y = (ptrdiff_t)p->dilation_h * in_w * in_c;
    l.st.f_x = out_c;
    l.st.f_y = (ptrdiff_t)filter_w * out_c;
    l.st.lanes = th_dsp_dup16(p->input_offset);
    l.o.offset = p->output_offset;
    l.o.act_min = p->act_min;
    l.o.act_max = p->act_max;
    memset(l.bias, 0, sizeof(l.bias));

    dw3_plan pl;
    const int dw3 = dw3_applies(p, input_dims, filter_dims, output_dims, &pl);
    dw3_ctx head;
    dw3_work work;
    int work_ready = 0;
    if (dw3) {
        head.lanes = l.st.lanes;
        head.s = in_c;
        head.in_y = in_w * in_c;
        head.adv = (p->stride_w - 2) * in_c; /* after the filter's third column */
        head.out_step = out_c;
        head.minv = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
        head.maxv = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
    }
    for (int32_t c = 0; c < out_c; c += l.channels) {
        l.channels = c < wide ? 4 : 1;
        if (l.channels == 4 && dw3 && dw3_quant(q, c, p->output_offset, &head)) {
            if (bias != NULL) {
                head.bias[0] = bias[c];
                head.bias[1] = bias[c + 1];
                head.bias[2] = bias[c + 2];
                head.bias[3] = bias[c + 3];
            } else {
                head.bias[0] = head.bias[1] = head.bias[2] = head.bias[3] = 0;
            }
            if (!work_ready) {
                dw3_work_init(&work, p, &pl, input_dims, input, output_dims, output);
                work_ready = 1;
            }
            dw3_block(p, &pl, &work, &head, input_dims, input, filter, output_dims, output, c);
            continue;
        }
        for (int32_t i = 0; i < l.channels; ++i) {
            l.q[i] = th_dsp_quant_of(q, c + i);
            l.bias[i] = bias != NULL ? bias[c + i] : 0;
        }
        int8_t *out = output + c;
        for (int32_t batch = 0; batch < output_dims->n; ++batch) {
            const int8_t *input_batch = input + (size_t)batch * in_h * in_w * in_c + c / depth_multiplier;
            for (int32_t out_y = 0; out_y < out_h; ++out_y) {
                const int32_t in_y0 = out_y * p->stride_h - p->pad_h;
                int32_t fy_lo, fy_hi;
                th_dsp_tap_range(in_y0, in_h, filter_h, p->dilation_h, &fy_lo, &fy_hi);
                l.rows = fy_hi - fy_lo;
                l.in_row = input_batch;
                l.f_row = filter + c;
                if (l.rows > 0) {
                    l.in_row += (size_t)(in_y0 + fy_lo * p->dilation_h) * in_w * in_c;
                    l.f_row += (size_t)fy_lo * filter_w * out_c;
                }
                dw_line_run(&l, out);
                out += (size_t)out_w * out_c;
            }
        }
    }
    th_dsp_clamp_s8(output, output_dims->n * out_h * out_w * out_c, p->act_min, p->act_max);
}

#endif
