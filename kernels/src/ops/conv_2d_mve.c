/* CONV_2D, int8, Helium (MVE) variant of th_conv2d_s8 (see mat_mult_mve.h):
 * byte-exact with the reference kernel in conv_2d.c.
 *
 * A 1x1 filter at stride 1 without padding is a matrix multiply of the
 * pixels by the filters (th_mve_mat_mult), read in place.  Any other
 * convolution without groups copies the windows of as many output pixels as
 * its buffer holds, a multiple of four (the filter's taps, tap-major like the
 * filter rows, with the input zero point where a tap falls outside the image,
 * so that it adds nothing, as in the reference kernel), and multiplies them
 * by the filter rows the same way.  The buffer is on the stack up to
 * CONV_MVE_STACK_BYTES, else the op's scratch, which the plan reserves for the
 * DSP variant; where that has room, each channel's base value (bias plus the
 * input offset times the filter row's sum) is computed once for the op
 * rather than once per group of windows, and where the buffer holds only
 * four windows (ResNet's 3x3 layers), each channel's quantization too, so that
 * a block of four windows goes by all channels in one routine
 * (th_mve_block_by_channels).  Grouped filters, an activation
 * range beyond int8 and windows too long for four of them to fit go to the
 * DSP variant. */
#include "mat_mult_mve.h"

#if TH_KERNELS_MVE

void TH_DSP_ENTRY(th_conv2d_s8)(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                                const th_dims *input_dims, const int8_t *input, const th_dims *filter_dims,
                                const int8_t *filter, const int32_t *bias, const th_dims *output_dims,
                                int8_t *output);

enum { CONV_MVE_STACK_BYTES = 1088 }; /* as the DSP variant's CONV_STACK_BYTES */

static int conv_mve_is_mat_mult(const th_conv_params *p, const th_dims *in, const th_dims *f)
{
    return f->h == 1 && f->w == 1 && f->c == in->c && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 &&
           p->pad_w == 0;
}

/* A window's bytes in the buffer: its values rounded up to sixteen (th_mve_mat_mult's rows in place). */
static uint32_t conv_mve_window_stride(const th_dims *f)
{
    return ((uint32_t)f->h * (uint32_t)f->w * (uint32_t)f->c + 15u) & ~15u;
}

/* The buffer the window path has: the stack's, or the scratch when larger. */
static uint32_t conv_mve_buffer_bytes(th_scratch scratch)
{
    return scratch.bytes > CONV_MVE_STACK_BYTES ? scratch.bytes : CONV_MVE_STACK_BYTES;
}

#if defined(TH_KERNELS_MVE_PORTABLE)
static void conv_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n > 0; n -= 16, src += 16, dst += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
    }
}

static void conv_mve_fill(int8_t *dst, int8x16_t value, int32_t n)
{
    for (; n > 0; n -= 16, dst += 16) {
        vstrbq_p_s8(dst, value, vctp8q((uint32_t)n));
    }
}
#else
/* n > 0 bytes, sixteen at a time (tail-predicated). */
static inline void conv_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    __asm__ volatile("dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[src]], #16\n\t"
                     "vstrb.8 q0, [%[dst]], #16\n\t"
                     "letp lr, 1b"
                     : [dst] "+r"(dst), [src] "+r"(src)
                     : [n] "r"(n)
                     : "q0", "lr", "memory");
}

static inline void conv_mve_fill(int8_t *dst, int8x16_t value, int32_t n)
{
    if (n > 0) {
        __asm__ volatile("dlstp.8 lr, %[n]\n"
                         "1:\n\t"
                         "vstrb.8 %q[v], [%[dst]], #16\n\t"
                         "letp lr, 1b"
                         : [dst] "+r"(dst)
                         : [n] "r"(n), [v] "w"(value)
                         : "lr", "memory");
    }
}
#endif

/* Where windows are read from. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t filter_h, filter_w;
    int32_t dilation_h, dilation_w;
    int8x16_t pad;              /* the input zero point in every lane */
} conv_mve_source;

/* rows filter rows of `row` bytes each, `step` apart in the input, into dst one after the other. */
static inline void conv_mve_rows(int8_t *dst, const int8_t *src, int32_t rows, int32_t row, size_t step)
{
    if (row <= 16) {
        const mve_pred16_t p = vctp8q((uint32_t)row);
        for (int32_t fy = 0; fy < rows; ++fy, dst += row, src += step) {
            vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
        }
        return;
    }
    for (int32_t fy = 0; fy < rows; ++fy, dst += row, src += step) {
        conv_mve_copy(dst, src, row);
    }
}

/* count > 0 windows of three filter rows of row <= 16 bytes (a 3x3 filter over few channels), one output pixel
 * after another along an output row: window i's filter row r from src + i src_step + r row_step to
 * dst + i stride + r row. */
#if defined(TH_KERNELS_MVE_PORTABLE)
static TH_DSP_NOINLINE void conv_mve_run3(int8_t *dst, int32_t stride, const int8_t *src, int32_t src_step,
                                          size_t row_step, int32_t row, int32_t count)
{
    const mve_pred16_t p = vctp8q((uint32_t)row);
    for (; count > 0; --count, dst += stride, src += src_step) {
        for (int32_t r = 0; r < 3; ++r) {
            vstrbq_p_s8(dst + r * row, vldrbq_z_s8(src + r * row_step, p), p);
        }
    }
}
#else
static TH_DSP_NOINLINE void conv_mve_run3(int8_t *dst, int32_t stride, const int8_t *src, int32_t src_step,
                                          size_t row_step, int32_t row, int32_t count)
{
    const int8_t *s1 = src + row_step, *s2 = s1 + row_step;
    int8_t *d1 = dst + row, *d2 = d1 + row;
    const uint32_t p = vctp8q((uint32_t)row);
    __asm__ volatile("vmsr p0, %[p]\n\t"
                     "dls lr, %[count]\n"
                     "1:\n\t"
                     "vpstttt\n\t"
                     "vldrbt.8 q0, [%[s0]]\n\t"
                     "vldrbt.8 q1, [%[s1]]\n\t"
                     "vldrbt.8 q2, [%[s2]]\n\t"
                     "vstrbt.8 q0, [%[d0]]\n\t"
                     "vpstt\n\t"
                     "vstrbt.8 q1, [%[d1]]\n\t"
                     "vstrbt.8 q2, [%[d2]]\n\t"
                     "add %[s0], %[s0], %[ss]\n\t"
                     "add %[s1], %[s1], %[ss]\n\t"
                     "add %[s2], %[s2], %[ss]\n\t"
                     "add %[d0], %[d0], %[ds]\n\t"
                     "add %[d1], %[d1], %[ds]\n\t"
                     "add %[d2], %[d2], %[ds]\n\t"
                     "le lr, 1b"
                     : [s0] "+r"(src), [s1] "+r"(s1), [s2] "+r"(s2), [d0] "+r"(dst), [d1] "+r"(d1), [d2] "+r"(d2)
                     : [ss] "r"(src_step), [ds] "r"(stride), [count] "r"(count), [p] "r"(p)
                     : "q0", "q1", "q2", "lr", "memory");
}
#endif

/* The window of the output pixel whose taps start at (y0, x0) of `image`, into dst, where it crosses the
 * border or its taps are dilated. */
static TH_DSP_NOINLINE void conv_mve_window(int8_t *dst, const conv_mve_source *s, const int8_t *image, int32_t y0,
                                            int32_t x0)
{
    const int32_t c = s->in_c, row = s->filter_w * c;
    int32_t lo, hi;
    th_dsp_tap_range(x0, s->in_w, s->filter_w, s->dilation_w, &lo, &hi);
    for (int32_t fy = 0; fy < s->filter_h; ++fy, dst += row) {
        const int32_t in_y = y0 + fy * s->dilation_h;
        if (in_y < 0 || in_y >= s->in_h || lo == hi) {
            conv_mve_fill(dst, s->pad, row);
            continue;
        }
        const int8_t *src = image + (size_t)in_y * s->in_w * c;
        conv_mve_fill(dst, s->pad, lo * c);
        if (s->dilation_w == 1) {
            conv_mve_copy(dst + lo * c, src + (size_t)(x0 + lo) * c, (hi - lo) * c);
        } else {
            for (int32_t fx = lo; fx < hi; ++fx) {
                conv_mve_copy(dst + fx * c, src + (size_t)(x0 + fx * s->dilation_w) * c, c);
            }
        }
        conv_mve_fill(dst + hi * c, s->pad, row - hi * c);
    }
}

/* The buffers are on this function's stack (not th_conv2d_s8's, which may call the DSP variant instead). */
static TH_DSP_NOINLINE void conv_mve_windows(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                                             const th_dims *input_dims, const int8_t *input,
                                             const th_dims *filter_dims, const int8_t *filter, const int32_t *bias,
                                             const th_dims *output_dims, int8_t *output)
{
    uint32_t local[CONV_MVE_STACK_BYTES / 4u];
    const uint32_t bytes = conv_mve_buffer_bytes(scratch), stride = conv_mve_window_stride(filter_dims);
    uint8_t *buffer = scratch.bytes > CONV_MVE_STACK_BYTES ? (uint8_t *)scratch.buf : (uint8_t *)local;
    const int32_t window = filter_dims->h * filter_dims->w * filter_dims->c;
    const int32_t out_c = output_dims->c;
    th_mve_matmul m;
    m.rhs = filter;
    m.bias = bias;
    m.bases = NULL;
    m.cols = out_c;
    m.depth = window;
    m.lhs_stride = (int32_t)stride;
    m.out_stride = out_c;
    m.lhs_offset = p->input_offset;
    m.o.offset = p->output_offset;
    m.o.act_min = p->act_min;
    m.o.act_max = p->act_max;
    /* Each channel's parameters first when the buffer holds them and only one block of windows anyway (the
     * channels' setup then repeats for every block: th_mve_block_by_channels does it once for the op); else
     * the bases when they leave room for four windows. */
    uint8_t *const start = buffer;
    const uint64_t need_params = 12u * (uint64_t)out_c + 4u * (uint64_t)stride;
    const uint64_t need_bases = 4u * (uint64_t)out_c + 4u * (uint64_t)stride;
    int32_t *params = NULL;
    if (bytes >= need_params && bytes - 4u * (uint64_t)out_c < 8u * (uint64_t)stride) {
        params = (int32_t *)(void *)buffer;
        th_mve_channel_params(q, bias, p->input_offset, filter, window, out_c, params);
        buffer += 12u * (uint32_t)out_c;
    } else if (bytes >= need_bases) {
        int32_t *bases = (int32_t *)(void *)buffer;
        for (int32_t c = 0; c < out_c; ++c) {
            bases[c] = th_mve_base(bias != NULL ? bias[c] : 0, p->input_offset,
                                   th_mve_row_sum(filter + (size_t)c * window, window));
        }
        m.bases = bases;
        buffer += 4u * (uint32_t)out_c;
    }
    const uint32_t room = bytes - (uint32_t)(buffer - start);
    const int32_t group = (int32_t)(room / (4u * stride)) * 4;
    int8_t *windows = (int8_t *)buffer;
    conv_mve_source s;
    s.in_h = input_dims->h;
    s.in_w = input_dims->w;
    s.in_c = input_dims->c;
    s.filter_h = filter_dims->h;
    s.filter_w = filter_dims->w;
    s.dilation_h = p->dilation_h;
    s.dilation_w = p->dilation_w;
    s.pad = vdupq_n_s8((int8_t)-p->input_offset);
    const int32_t out_h = output_dims->h, out_w = output_dims->w;
    const int32_t pixels = output_dims->n * out_h * out_w;
    const size_t image = (size_t)s.in_h * s.in_w * s.in_c;
    /* The output columns whose windows are inside the image across (all of them taps in a row when not dilated). */
    int32_t x_in_lo = 0, x_in_hi = 0;
    if (s.dilation_w == 1) {
        x_in_lo = (p->pad_w + p->stride_w - 1) / p->stride_w;
        x_in_hi = s.in_w - s.filter_w + p->pad_w < 0 ? 0 : (s.in_w - s.filter_w + p->pad_w) / p->stride_w + 1;
        x_in_hi = x_in_hi < out_w ? x_in_hi : out_w;
    }
    const int32_t row = s.filter_w * s.in_c;
    const size_t row_step = (size_t)s.dilation_h * s.in_w * s.in_c;
    const int run3 = s.filter_h == 3 && row <= 16;
    int32_t batch = 0, out_y = 0, out_x = 0; /* the next pixel */
    for (int32_t pixel = 0; pixel < pixels; pixel += group) {
        const int32_t rows = pixels - pixel < group ? pixels - pixel : group;
        int8_t *dst = windows;
        for (int32_t i = 0; i < rows; ++i, dst += stride) {
            const int8_t *img = input + (size_t)batch * image;
            const int32_t y0 = out_y * p->stride_h - p->pad_h, x0 = out_x * p->stride_w - p->pad_w;
            if (out_x >= x_in_lo && out_x < x_in_hi && y0 >= 0 && y0 + (s.filter_h - 1) * s.dilation_h < s.in_h) {
                const int8_t *src = img + ((size_t)y0 * s.in_w + x0) * s.in_c;
                if (run3) {
                    /* The run of windows inside the image along this output row, in this group. */
                    const int32_t run = x_in_hi - out_x < rows - i ? x_in_hi - out_x : rows - i;
                    conv_mve_run3(dst, (int32_t)stride, src, p->stride_w * s.in_c, row_step, row, run);
                    i += run - 1;
                    dst += (size_t)(run - 1) * stride;
                    out_x += run - 1;
                } else {
                    conv_mve_rows(dst, src, s.filter_h, row, row_step);
                }
            } else {
                conv_mve_window(dst, &s, img, y0, x0);
            }
            if (++out_x == out_w) {
                out_x = 0;
                if (++out_y == out_h) {
                    out_y = 0;
                    ++batch;
                }
            }
        }
        m.lhs = windows;
        m.out = output + (size_t)pixel * out_c;
        m.rows = rows;
        if (params != NULL && rows == 4) {
            th_mve_block_by_channels(&m, params);
        } else {
            th_mve_mat_mult(&m, q);
        }
    }
}

void th_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                  const th_dims *input_dims, const int8_t *input,
                  const th_dims *filter_dims, const int8_t *filter,
                  const int32_t *bias,
                  const th_dims *output_dims, int8_t *output)
{
    const int grouped = filter_dims->c != input_dims->c;
    const int int8_range = p->act_min >= -128 && p->act_max <= 127 && p->act_min <= p->act_max;
    if (!grouped && int8_range && conv_mve_is_mat_mult(p, input_dims, filter_dims)) {
        th_mve_matmul m;
        m.lhs = input;
        m.rhs = filter;
        m.bias = bias;
        m.bases = NULL;
        m.out = output;
        m.rows = output_dims->n * output_dims->h * output_dims->w;
        m.cols = output_dims->c;
        m.depth = input_dims->c;
        m.lhs_stride = input_dims->c;
        m.out_stride = output_dims->c;
        m.lhs_offset = p->input_offset;
        m.o.offset = p->output_offset;
        m.o.act_min = p->act_min;
        m.o.act_max = p->act_max;
        th_mve_mat_mult(&m, q);
        return;
    }
    if (!grouped && int8_range && 4u * (uint64_t)conv_mve_window_stride(filter_dims) <= conv_mve_buffer_bytes(scratch)) {
        conv_mve_windows(p, q, scratch, input_dims, input, filter_dims, filter, bias, output_dims, output);
        return;
    }
    TH_DSP_ENTRY(th_conv2d_s8)(p, q, scratch, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

#endif
