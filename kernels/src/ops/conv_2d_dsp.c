/* CONV_2D, int8, DSP-extension variant of th_conv2d_s8 (see dsp_s8.h):
 * byte-exact with the reference kernel in conv_2d.c.
 *
 * Most convolutions take the fast path below (conv_fast).  Otherwise a 1x1
 * filter at stride 1 without padding over the whole input depth is a
 * matrix multiply of the pixels by the filters, and anything else goes two
 * output pixels at a time (consecutive in memory, so a pair may span two rows):
 * their windows (the filter's taps, tap-major like the filter rows, one
 * group's channels) are copied to a buffer, with the input zero point where a
 * tap falls outside the image (so it adds nothing, as in the reference
 * kernel), and multiplied by the filter rows of every output channel of the
 * group, two at a time.  A window longer than CONV_WINDOW_CHUNK goes in pieces
 * of that length, copied again for each pair of channels.  The two windows
 * take at most 2 KiB.
 *
 * Every path's buffers are on the stack when they fit CONV_STACK_BYTES, else
 * in the op's scratch (th_conv2d_s8_scratch_bytes asks for them then). */
#include "dsp_s8.h"

#if TH_KERNELS_DSP

/* At most this many values of each of the two windows are in the buffer at once. */
#define CONV_WINDOW_CHUNK 1024


/* Where windows are read from. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t filter_w, depth;    /* filter width and depth */
    int32_t dilation_h, dilation_w;
    int32_t merge;              /* the taps of a filter row inside the image are contiguous in the input */
    int8_t pad;                 /* the input zero point */
} conv_source;

/* One output pixel's window: its batch, its origin and the taps of a filter row that land inside the image. */
typedef struct {
    const int8_t *input;        /* the batch's first pixel, at the group's first channel */
    int32_t batch, y0, x0, x_lo, x_hi;
} conv_window;

static void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4) {
        const uint32_t v = th_dsp_read4(src);
#if defined(__GNUC__)
        __builtin_memcpy(dst, &v, sizeof(v));
#else
        memcpy(dst, &v, sizeof(v));
#endif
        dst += 4;
        src += 4;
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
}

/* dst[0, k1 - k0) = values [k0, k1) of window w. */
static void window_copy(int8_t *dst, const conv_source *s, const conv_window *w, int32_t k0, int32_t k1)
{
    const int32_t depth = s->depth;
    while (k0 < k1) {
        const int32_t tap = k0 / depth, fy = tap / s->filter_w, fx = tap - fy * s->filter_w;
        const int32_t in_y = w->y0 + fy * s->dilation_h;
        int32_t taps = s->filter_w - fx; /* taps in this stretch, from this one */
        int inside = 0;
        if (in_y >= 0 && in_y < s->in_h) {
            if (fx < w->x_lo) {
                taps = w->x_lo - fx;
            } else if (fx < w->x_hi) {
                inside = 1;
                taps = s->merge ? w->x_hi - fx : 1;
            }
        }
        const int32_t first = k0 - tap * depth; /* values of this tap already copied */
        int32_t n = taps * depth - first;
        if (n > k1 - k0) {
            n = k1 - k0;
        }
        if (inside) {
            const int32_t in_x = w->x0 + fx * s->dilation_w;
            copy_bytes(dst, w->input + ((size_t)in_y * s->in_w + in_x) * s->in_c + first, n);
        } else {
            memset(dst, s->pad, (size_t)n);
        }
        dst += n;
        k0 += n;
    }
}


/* --- The fast path: two output pixels by two output channels per block ---
 *
 * The two windows are stored as int16 lanes with the input offset added
 * (what SXTAB16 makes of them), interleaved four values at a time: for values
 * 4g..4g+3, pixel 0's even and odd lanes, then pixel 1's.  One LDM loads what
 * four values of both pixels need; each filter word is split once (SXTB16)
 * and feeds both pixels (SMLAD, two products each).  The requantization is
 * dw3's form in depthwise_conv_2d_dsp.c (shift in [-23, -2], the output zero
 * point in round_hi), then SSAT, and the activation clamp and the stores on
 * the four outputs as one word.  A window is laid out a filter row at a
 * time, each row rounded up to a multiple of four values (the filter copied
 * to a buffer with zeros in the extra places when a row is not a multiple of
 * four already), so a row inside the image is split straight from the input.
 * Channels go in chunks of CONV_FAST_COLS, whose words are prepared once.
 * The lanes (up to 2304 bytes), a padded row, the padded filter (up to 640
 * bytes) and a chunk's words are sized from the layer
 * (conv_fast_layout). */
enum { CONV_FAST_MAX_WINDOW = 576, CONV_FAST_COLS = 64, CONV_FAST_PAD_BYTES = 640 };

typedef struct {
    const uint32_t *x, *x_end;  /*  0: the interleaved lanes */
    const int8_t *w;            /*  8: the filter row of the block's first channel */
    int32_t depth;              /* 12: between filter rows */
    const int32_t *bp;          /* 16: bias of the block's first channel */
    const int32_t *qp;          /* 20: th_dsp_fast_quant's three words per channel */
    int8_t *out0, *out1;        /* 24: the block's first output of each pixel */
    uint32_t minv, maxv;        /* 32: act_min and act_max in every byte */
    int32_t pairs;              /* 40: channel pairs left */
} conv_job;

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
_Static_assert(sizeof(void *) == 4, "conv_job layout");
#define CONV_REQ(A, M, RH, SH)                \
    "and r6, " A ", #0x80000000\n\t"         \
    "orr r6, r6, #0x40000000\n\t"            \
    "add r7, " RH ", " A ", asr #31\n\t"     \
    "smlal r6, r7, " A ", " M "\n\t"         \
    "asr r7, r7, " SH "\n\t"                 \
    "sxtab r7, r7, " SH ", ror #8\n\t"       \
    "ssat " A ", #8, r7\n\t"

/* Registers in the dot loop: r0 lanes, r1 r2 filter rows, r3 lanes end,
 * r4-r7 lanes, r8 r9 filter lanes, r10 r11 pixel 0's channels, r12 lr pixel
 * 1's; the job on the stack. */
#define CONV_PAIRS_ASM(CLAMP) \
        "push {r4-r11, lr}\n\t" \
        "push {r0}\n\t" \
        "2:\n\t" \
        "ldr r4, [sp]\n\t" \
        "ldr r5, [r4, #16]\n\t" \
        "ldrd r10, r11, [r5], #8\n\t" \
        "str r5, [r4, #16]\n\t" \
        "mov r12, r10\n\t" \
        "mov lr, r11\n\t" \
        "ldrd r1, r7, [r4, #8]\n\t" \
        "add r2, r1, r7\n\t" \
        "add r6, r2, r7\n\t" \
        "str r6, [r4, #8]\n\t" \
        "ldrd r0, r3, [r4]\n\t" \
        "1:\n\t" \
        "ldm r0!, {r4-r7}\n\t" \
        "ldr r8, [r1], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad r10, r4, r8, r10\n\t" \
        "smlad r10, r5, r9, r10\n\t" \
        "smlad r12, r6, r8, r12\n\t" \
        "smlad r12, r7, r9, r12\n\t" \
        "ldr r8, [r2], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad r11, r4, r8, r11\n\t" \
        "smlad r11, r5, r9, r11\n\t" \
        "smlad lr, r6, r8, lr\n\t" \
        "smlad lr, r7, r9, lr\n\t" \
        "cmp r0, r3\n\t" \
        "bne 1b\n\t" \
        "ldr r9, [sp]\n\t" \
        "ldr r8, [r9, #20]\n\t" \
        "ldm r8!, {r0-r5}\n\t" \
        "str r8, [r9, #20]\n\t" \
        CONV_REQ("r10", "r0", "r1", "r2") \
        CONV_REQ("r12", "r0", "r1", "r2") \
        CONV_REQ("r11", "r3", "r4", "r5") \
        CONV_REQ("lr", "r3", "r4", "r5") \
        "bfi r10, r11, #8, #8\n\t" \
        "bfi r10, r12, #16, #8\n\t" \
        "bfi r10, lr, #24, #8\n\t" \
        CLAMP \
        "ldrd r0, r1, [r9, #24]\n\t" \
        "strh r10, [r0], #2\n\t" \
        "lsr r10, r10, #16\n\t" \
        "strh r10, [r1], #2\n\t" \
        "strd r0, r1, [r9, #24]\n\t" \
        "ldr r0, [r9, #40]\n\t" \
        "subs r0, r0, #1\n\t" \
        "str r0, [r9, #40]\n\t" \
        "bne 2b\n\t" \
        "add sp, sp, #4\n\t" \
        "pop {r4-r11, pc}\n\t"

__attribute__((naked, noinline)) static void conv_pairs_full(conv_job *j)
{
    __asm__ volatile(CONV_PAIRS_ASM(""));
}

/* No clamp here: th_conv2d_s8 clamps the whole output after the fast path (th_dsp_clamp_s8). */
static void conv_pairs(conv_job *j, int full)
{
    (void)full;
    conv_pairs_full(j);
}
#else
static int8_t conv_fast_out(int32_t a, const int32_t *q, uint32_t minv, uint32_t maxv)
{
    const int32_t r = th_dsp_fast_requantize(a, q);
    return (int8_t)th_clamp(r, (int8_t)(uint8_t)minv, (int8_t)(uint8_t)maxv);
}

static void conv_pairs(conv_job *j, int full)
{
    (void)full;
    for (; j->pairs > 0; --j->pairs) {
        int32_t acc[4] = {j->bp[0], j->bp[1], j->bp[0], j->bp[1]};
        const int8_t *w0 = j->w, *w1 = j->w + j->depth;
        for (const uint32_t *x = j->x; x != j->x_end; x += 4, w0 += 4, w1 += 4) {
            const uint32_t v0 = th_dsp_read4(w0), v1 = th_dsp_read4(w1);
            const uint32_t e0 = th_dsp_even(v0), o0 = th_dsp_odd(v0), e1 = th_dsp_even(v1), o1 = th_dsp_odd(v1);
            acc[0] = th_dsp_smlad(x[1], o0, th_dsp_smlad(x[0], e0, acc[0]));
            acc[2] = th_dsp_smlad(x[3], o0, th_dsp_smlad(x[2], e0, acc[2]));
            acc[1] = th_dsp_smlad(x[1], o1, th_dsp_smlad(x[0], e1, acc[1]));
            acc[3] = th_dsp_smlad(x[3], o1, th_dsp_smlad(x[2], e1, acc[3]));
        }
        j->out0[0] = conv_fast_out(acc[0], j->qp, j->minv, j->maxv);
        j->out0[1] = conv_fast_out(acc[1], j->qp + 3, j->minv, j->maxv);
        j->out1[0] = conv_fast_out(acc[2], j->qp, j->minv, j->maxv);
        j->out1[1] = conv_fast_out(acc[3], j->qp + 3, j->minv, j->maxv);
        j->w += 2 * j->depth;
        j->bp += 2;
        j->qp += 6;
        j->out0 += 2;
        j->out1 += 2;
    }
}
#endif

/* Where the fast path keeps its buffers (byte offsets,
 * each a multiple of four): the interleaved lanes of two windows (depth4
 * words), a chunk's zero bias (only without a bias), a chunk's
 * requantization words, a padded row (only where a window may cross the
 * border or its last row end past the input), the filter padded to row4
 * values per row (only when row is not a multiple of four) and a chunk's
 * flags of slow channel pairs. */
typedef struct {
    uint32_t bp, qp, row, wpad, slow, total;
} conv_fast_layout;

static conv_fast_layout conv_fast_layout_of(const th_conv_params *p, int has_bias, const th_dims *in,
                                            const th_dims *f, const th_dims *out)
{
    const uint32_t row = (uint32_t)f->w * (uint32_t)f->c, row4 = (row + 3u) & ~3u, depth4 = (uint32_t)f->h * row4;
    const uint32_t n = out->c < CONV_FAST_COLS ? (uint32_t)out->c : CONV_FAST_COLS;
    /* Every window inside the image (the rows then are straight from the input). */
    const int inside = row4 == row && p->pad_h == 0 && p->pad_w == 0 &&
                       (int64_t)(out->h - 1) * p->stride_h + (int64_t)(f->h - 1) * p->dilation_h < in->h &&
                       (int64_t)(out->w - 1) * p->stride_w + f->w <= in->w;
    conv_fast_layout l;
    l.bp = 4u * depth4;
    l.qp = l.bp + (has_bias ? 0u : 4u * n);
    l.row = l.qp + 12u * n;
    l.wpad = l.row + (inside ? 0u : row4);
    l.slow = l.wpad + (row4 != row ? (uint32_t)out->c * depth4 : 0u);
    l.total = l.slow + (((n + 1u) / 2u + 3u) & ~3u);
    return l;
}


/* Whether the fast path takes the op: no groups, an even number of output
 * channels, a window that fits, every shift in range, act range in int8. */
static int conv_fast_applies(const th_conv_params *p, const th_dims *in, const th_dims *f, const th_dims *out)
{
    const int32_t row = f->w * f->c, row4 = (row + 3) & ~3, depth4 = f->h * row4;
    if (f->c != in->c || (out->c & 1) != 0 || p->dilation_w != 1 || depth4 > CONV_FAST_MAX_WINDOW ||
        (row4 != row && (int64_t)out->c * depth4 > CONV_FAST_PAD_BYTES) || p->act_min < -128 || p->act_max > 127 ||
        p->act_min > p->act_max) {
        return 0;
    }
    return 1;
}

/* A 1x1 filter at stride 1 without padding over the whole input depth: a matrix multiply. */
static int conv_is_mat_mult(const th_conv_params *p, const th_dims *in, const th_dims *f)
{
    return f->h == 1 && f->w == 1 && f->c == in->c && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 &&
           p->pad_w == 0;
}

/* The other path's windows: a whole window padded to a multiple of four (see
 * th_dsp_pair_columns), or pieces of CONV_WINDOW_CHUNK values. */
static uint32_t conv_chunk(const th_dims *f)
{
    const uint32_t window = (uint32_t)f->h * (uint32_t)f->w * (uint32_t)f->c;
    return window < CONV_WINDOW_CHUNK ? (window + 3u) & ~3u : CONV_WINDOW_CHUNK;
}

/* Buffers up to this size stay on the stack (one array in th_conv2d_s8's
 * frame): the layers where the arena peaks are small 1x1 and 3x3 convolutions,
 * whose scratch would grow the arena; larger ones are in the op's scratch. */
#define CONV_STACK_BYTES 1088u

/* The bytes of buffers the path that takes the op wants. */
static uint32_t conv_buffer_bytes(const th_conv_params *p, int has_bias, const th_dims *input, const th_dims *filter,
                                  const th_dims *output)
{
    if (input->c <= 0 || filter->c <= 0 || filter->h <= 0 || filter->w <= 0 || output->c <= 0 ||
        (int64_t)filter->h * filter->w * filter->c > 65536) {
        return 0; /* validate refuses the op */
    }
    if (conv_fast_applies(p, input, filter, output)) {
        return conv_fast_layout_of(p, has_bias, input, filter, output).total;
    }
    if (conv_is_mat_mult(p, input, filter)) {
        return 0;
    }
    return 2u * conv_chunk(filter);
}

uint32_t th_conv2d_s8_scratch_bytes(const th_conv_params *p, int has_bias, const th_dims *input,
                                    const th_dims *filter, const th_dims *output)
{
    const uint32_t bytes = conv_buffer_bytes(p, has_bias, input, filter, output);
    return bytes > CONV_STACK_BYTES ? bytes : 0u;
}

static int conv_fast_shift(int32_t shift)
{
    return shift >= TH_DSP_FAST_MIN_SHIFT && shift <= TH_DSP_FAST_MAX_SHIFT;
}

/* Bias and requantization of channels [c0, c0 + n) for conv_pairs; slow[i]
 * when channel pair i has a shift outside th_dsp_fast_quant's range (its
 * words are then harmless placeholders, and conv_slow_pair does the pair). */
static void conv_fast_params(const th_conv_params *p, const th_channel_quant *q, const int32_t *bias, int32_t c0,
                             int32_t n, int32_t *bp, int32_t *qp, uint8_t *slow)
{
    for (int32_t i = 0; i < n; ++i) {
        const th_quant qc = th_quant_at(q, q->count > 1 ? c0 + i : 0);
        const int fast = conv_fast_shift(qc.shift);
        if (bias == NULL) {
            bp[i] = 0; /* (with a bias, conv_pairs reads it where it is) */
        }
        th_dsp_fast_quant(qc.multiplier, fast ? qc.shift : -2, p->output_offset, &qp[3 * i]);
        if ((i & 1) == 0) {
            slow[i / 2] = 0;
        }
        slow[i / 2] |= (uint8_t)!fast;
    }
}

/* Value k of pixel `which` from the interleaved lanes (input offset added). */
static int32_t conv_lane(const uint32_t *lanes, int32_t k, int which)
{
    const uint32_t word = lanes[4 * (k >> 2) + 2 * which + (k & 1)];
    return (int32_t)(int16_t)(uint16_t)(word >> (8 * (k & 2)));
}

/* Channels col, col + 1 of both pixels (out0[0..1], out1[0..1]) one value at a time, with th_dsp_output. */
static void conv_slow_pair(const uint32_t *lanes, int32_t window, const int8_t *filter, const int32_t *bias,
                           const th_channel_quant *q, const th_dsp_out *o, int32_t col, int8_t *out0, int8_t *out1)
{
    for (int32_t c = col; c < col + 2; ++c) {
        const int8_t *w = filter + (size_t)c * window;
        int32_t a0 = bias != NULL ? bias[c] : 0, a1 = a0;
        int32_t k = 0;
        for (; k + 4 <= window; k += 4) {
            const uint32_t v = th_dsp_read4(w + k), e = th_dsp_even(v), od = th_dsp_odd(v);
            const uint32_t *x = lanes + k;
            a0 = th_dsp_smlad(x[1], od, th_dsp_smlad(x[0], e, a0));
            a1 = th_dsp_smlad(x[3], od, th_dsp_smlad(x[2], e, a1));
        }
        for (; k < window; ++k) {
            a0 = th_add_wrap(a0, conv_lane(lanes, k, 0) * w[k]);
            a1 = th_add_wrap(a1, conv_lane(lanes, k, 1) * w[k]);
        }
        const th_dsp_quant qc = th_dsp_quant_of(q, c);
        out0[c - col] = th_dsp_output(a0, &qc, o);
        out1[c - col] = th_dsp_output(a1, &qc, o);
    }
}

/* Window bytes (n, a multiple of 4) into pixel `which`'s lanes of the interleaved buffer. */
static void conv_split(uint32_t *lanes, const int8_t *bytes, int32_t n, uint32_t offset_lanes, int which)
{
    lanes += 2 * which;
    for (const int8_t *end = bytes + n; bytes != end; bytes += 4, lanes += 4) {
        const uint32_t v = th_dsp_read4(bytes);
        lanes[0] = th_dsp_even_add(offset_lanes, v);
        lanes[1] = th_dsp_odd_add(offset_lanes, v);
    }
}

/* Where the fast path's windows come from. */
typedef struct {
    const int8_t *input, *input_end;
    int32_t in_h, in_w, in_c, filter_h, filter_w, dilation_h;
    int32_t row, row4;          /* a filter row's values, and that rounded up to a multiple of four */
    uint32_t offset_lanes;
    int8_t pad;                 /* the input zero point */
} conv_fast_src;

/* Pixel `which`'s window (origin y0, x0 in batch image `image`) into the lanes:
 * filter row fy at values [fy * row4, fy * row4 + row), the values up to row4
 * anything (their weights are 0).  A row inside the image is split straight
 * from the input; one crossing the border goes through a copy padded with the
 * zero point (buf, row4 bytes). */
static void conv_fast_window(uint32_t *lanes, int8_t *buf, int which, const conv_fast_src *fs, const int8_t *image,
                             int32_t y0, int32_t x0)
{
    const int32_t c = fs->in_c, fw = fs->filter_w;
    if (y0 >= 0 && y0 + (fs->filter_h - 1) * fs->dilation_h < fs->in_h && x0 >= 0 && x0 + fw <= fs->in_w) {
        /* Inside the image: every row straight from the input (unless the last reads past the input). */
        const int8_t *src = image + ((size_t)y0 * fs->in_w + x0) * c;
        const size_t step = (size_t)fs->dilation_h * fs->in_w * c;
        if (fs->row4 == fs->row || fs->input_end - (src + (fs->filter_h - 1) * step) >= fs->row4) {
            for (int32_t fy = 0; fy < fs->filter_h; ++fy, lanes += fs->row4, src += step) {
                conv_split(lanes, src, fs->row4, fs->offset_lanes, which);
            }
            return;
        }
    }
    const int32_t x_lo = x0 < 0 ? (-x0 < fw ? -x0 : fw) : 0;
    const int32_t x_hi = x0 + fw > fs->in_w ? (fs->in_w - x0 > x_lo ? fs->in_w - x0 : x_lo) : fw;
    for (int32_t fy = 0; fy < fs->filter_h; ++fy, lanes += fs->row4) {
        const int32_t in_y = y0 + fy * fs->dilation_h;
        const int inside_y = in_y >= 0 && in_y < fs->in_h;
        const int8_t *src = image + ((size_t)in_y * fs->in_w + x0) * c;
        if (inside_y && x_lo == 0 && x_hi == fw && (fs->row4 == fs->row || fs->input_end - src >= fs->row4)) {
            conv_split(lanes, src, fs->row4, fs->offset_lanes, which);
            continue;
        }
        const int32_t left = inside_y ? x_lo * c : fs->row4, inside = inside_y ? (x_hi - x_lo) * c : 0;
        for (int32_t k = 0; k < left; ++k) {
            buf[k] = fs->pad;
        }
        if (inside > 0) {
            copy_bytes(buf + left, src + left, inside);
        }
        for (int32_t k = left + inside; k < fs->row4; ++k) {
            buf[k] = fs->pad;
        }
        conv_split(lanes, buf, fs->row4, fs->offset_lanes, which);
    }
}

static TH_DSP_NOINLINE void conv_fast(const th_conv_params *p, const th_channel_quant *q, uint8_t *scratch,
                                      const th_dims *input_dims, const int8_t *input,
                                      const th_dims *filter_dims, const int8_t *filter, const int32_t *bias,
                                      const th_dims *output_dims, int8_t *output)
{
    const int32_t in_c = input_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    conv_fast_src fs;
    fs.input = input;
    fs.input_end = input + (size_t)input_dims->n * input_dims->h * input_dims->w * in_c;
    fs.in_h = input_dims->h;
    fs.in_w = input_dims->w;
    fs.in_c = in_c;
    fs.filter_h = filter_dims->h;
    fs.filter_w = filter_dims->w;
    fs.dilation_h = p->dilation_h;
    fs.row = filter_dims->w * in_c;
    fs.row4 = (fs.row + 3) & ~3;
    fs.offset_lanes = th_dsp_dup16(p->input_offset);
    fs.pad = (int8_t)-p->input_offset;
    const int32_t depth4 = fs.filter_h * fs.row4;
    const conv_fast_layout sl = conv_fast_layout_of(p, bias != NULL, input_dims, filter_dims, output_dims);
    uint32_t *lanes = (uint32_t *)(void *)scratch; /* two windows of depth4 values as int16 */
    int32_t *bp = (int32_t *)(void *)(scratch + sl.bp), *qp = (int32_t *)(void *)(scratch + sl.qp);
    int8_t *row_buf = (int8_t *)(scratch + sl.row);
    uint8_t *slow = scratch + sl.slow;
    const th_dsp_out o = {p->output_offset, p->act_min, p->act_max};
    /* Filter rows padded with zeros to row4 values, when row is not a multiple of four. */
    int8_t *wpad = (int8_t *)(scratch + sl.wpad);
    const int8_t *weights = filter;
    if (fs.row4 != fs.row) {
        int8_t *d = wpad;
        const int8_t *src = filter;
        for (int32_t r = 0; r < out_c * fs.filter_h; ++r, src += fs.row) {
            for (int32_t k = 0; k < fs.row4; ++k) {
                *d++ = k < fs.row ? src[k] : 0;
            }
        }
        weights = wpad;
    }
    conv_job j;
    j.depth = depth4;
    j.minv = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
    j.maxv = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
    const int full = p->act_min == -128 && p->act_max == 127; /* SSAT already clamps */
    const size_t image = (size_t)fs.in_h * fs.in_w * in_c;
    const int32_t pixels = output_dims->n * out_h * out_w;
    /* Channels in chunks (their bias and requantization words prepared once), then pixels in pairs. */
    for (int32_t c0 = 0; c0 < out_c; c0 += CONV_FAST_COLS) {
        const int32_t n = out_c - c0 < CONV_FAST_COLS ? out_c - c0 : CONV_FAST_COLS;
        conv_fast_params(p, q, bias, c0, n, bp, qp, slow);
        int8_t *out0 = output;
        int32_t batch = 0, out_y = 0, out_x = 0;
        for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
            const int two = pixel + 1 < pixels;
            const int8_t *img[2];
            int32_t y0[2], x0[2];
            for (int i = 0; i < 2; ++i) {
                if (i == 1 && !two) { /* no pixel 1: pixel 0 again, its outputs (the same) over pixel 0's */
                    img[1] = img[0];
                    y0[1] = y0[0];
                    x0[1] = x0[0];
                    break;
                }
                img[i] = input + (size_t)batch * image;
                y0[i] = out_y * p->stride_h - p->pad_h;
                x0[i] = out_x * p->stride_w - p->pad_w;
                if (++out_x == out_w) {
                    out_x = 0;
                    if (++out_y == out_h) {
                        out_y = 0;
                        ++batch;
                    }
                }
            }
            for (int i = 0; i < 2; ++i) {
                conv_fast_window(lanes, row_buf, i, &fs, img[i], y0[i], x0[i]);
            }
            {
                const int32_t pairs = n / 2;
                int8_t *o0 = out0 + c0, *o1 = two ? out0 + out_c + c0 : o0;
                for (int32_t pr = 0; pr < pairs;) {
                    if (slow[pr]) {
                        conv_slow_pair(lanes, depth4, weights, bias, q, &o, c0 + 2 * pr, o0 + 2 * pr, o1 + 2 * pr);
                        ++pr;
                        continue;
                    }
                    int32_t end = pr + 1;
                    while (end < pairs && !slow[end]) {
                        ++end;
                    }
                    j.x = lanes;
                    j.x_end = lanes + depth4;
                    j.out0 = o0 + 2 * pr;
                    j.out1 = o1 + 2 * pr;
                    j.bp = (bias != NULL ? bias + c0 : bp) + 2 * pr;
                    j.qp = qp + 6 * pr;
                    j.w = weights + (size_t)(c0 + 2 * pr) * depth4;
                    j.pairs = end - pr;
                    conv_pairs(&j, full);
                    pr = end;
                }
            }
            out0 += (two + 1) * out_c;
        }
    }
}

void TH_DSP_ENTRY(th_conv2d_s8)(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                                const th_dims *input_dims, const int8_t *input,
                                const th_dims *filter_dims, const int8_t *filter,
                                const int32_t *bias,
                                const th_dims *output_dims, int8_t *output)
{
    const int32_t in_c = input_dims->c, filter_c = filter_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const th_dsp_out o = {p->output_offset, p->act_min, p->act_max};
    uint32_t local[CONV_STACK_BYTES / 4u];
    uint8_t *buffers = conv_buffer_bytes(p, bias != NULL, input_dims, filter_dims, output_dims) <= CONV_STACK_BYTES
                           ? (uint8_t *)local
                           : (uint8_t *)scratch.buf;

    if (conv_fast_applies(p, input_dims, filter_dims, output_dims)) {
        conv_fast(p, q, buffers, input_dims, input, filter_dims, filter, bias, output_dims, output);
        th_dsp_clamp_s8(output, output_dims->n * out_h * out_w * out_c, p->act_min, p->act_max);
        return;
    }

    if (conv_is_mat_mult(p, input_dims, filter_dims)) {
        const th_dsp_matmul m = {input, filter, bias, output, output_dims->n * out_h * out_w, out_c, in_c,
                                 p->input_offset, 0, o};
        th_dsp_mat_mult(&m, q);
        return;
    }

    const int32_t window = filter_dims->h * filter_dims->w * filter_c;
    const int32_t chunk = (int32_t)conv_chunk(filter_dims);
    const int32_t groups = in_c / filter_c, filters_per_group = out_c / groups;
    int8_t *values = (int8_t *)buffers; /* the two windows, chunk values each */
    conv_source s;
    s.in_h = input_dims->h;
    s.in_w = input_dims->w;
    s.in_c = in_c;
    s.filter_w = filter_dims->w;
    s.depth = filter_c;
    s.dilation_h = p->dilation_h;
    s.dilation_w = p->dilation_w;
    s.merge = p->dilation_w == 1 && filter_c == in_c;
    s.pad = (int8_t)-p->input_offset;
    th_dsp_cols c;
    c.depth = window;
    c.lhs_offset = p->input_offset;
    c.o = o;
    conv_window w[2];
    int8_t *out0 = output;

    /* Output pixels in pairs, in memory order (a pair may span two rows). */
    const int32_t pixels = output_dims->n * out_h * out_w;
    int32_t batch = 0, out_y = 0, out_x = 0; /* the next pixel */
    for (int32_t pixel = 0; pixel < pixels; pixel += 2) {
        const int two = pixel + 1 < pixels;
        int8_t *out1 = two ? out0 + out_c : NULL;
        for (int i = 0; i <= two; ++i) {
            w[i].batch = batch;
            w[i].y0 = out_y * p->stride_h - p->pad_h;
            w[i].x0 = out_x * p->stride_w - p->pad_w;
            th_dsp_tap_range(w[i].x0, s.in_w, s.filter_w, s.dilation_w, &w[i].x_lo, &w[i].x_hi);
            if (++out_x == out_w) {
                out_x = 0;
                if (++out_y == out_h) {
                    out_y = 0;
                    ++batch;
                }
            }
        }
        for (int32_t group = 0; group < groups; ++group) {
            const int32_t first = group * filters_per_group, last = first + filters_per_group - 1;
            for (int i = 0; i <= two; ++i) {
                w[i].input = input + (size_t)w[i].batch * s.in_h * s.in_w * in_c + group * filter_c;
            }
            const int whole = window <= chunk;
            if (whole) {
                /* The whole window at once: copied once for every output channel of the group. */
                for (int i = 0; i <= two; ++i) {
                    window_copy(values + i * chunk, &s, &w[i], 0, window);
                    memset(values + i * chunk + window, s.pad, (size_t)(chunk - window));
                }
                if (two) {
                    th_dsp_pair_columns(&c, filter, out_c, bias, q, first, last, values, values + chunk, out0, out1);
                    continue;
                }
            }
            for (int32_t col = first; col <= last; col += 2) {
                th_dsp_cols_at(&c, filter, bias, q, col, last);
                int32_t acc[4] = {c.bias[0], c.bias[1], c.bias[0], c.bias[1]};
                for (int32_t k0 = 0; k0 < window; k0 += chunk) {
                    const int32_t k1 = window - k0 > chunk ? k0 + chunk : window;
                    if (!whole) {
                        /* A piece of a long window: copied again for every pair of channels. */
                        for (int i = 0; i <= two; ++i) {
                            window_copy(values + i * chunk, &s, &w[i], k0, k1);
                        }
                    }
                    const int last_piece = k1 == window;
                    th_dsp_block(&c, acc, values, two ? values + chunk : NULL, k0, k1 - k0,
                                 last_piece ? out0 + col : NULL, last_piece && out1 != NULL ? out1 + col : NULL);
                }
            }
        }
        out0 += (two + 1) * out_c;
    }
}

#endif
