/* DEPTHWISE_CONV_2D, int8 and 16x8: byte-exact with TFLM's
 * reference_integer_ops::DepthwiseConvPerChannel.  Output channel
 * m + c * depth_multiplier filters input channel c; per-tensor filters use one
 * multiplier/shift for every channel (TFLM broadcasts the same way). */
#include "conv_window.h"
#include "dsp_s8.h"
#include "tinyhil/th_fixedpoint.h"

/* No variant asks for scratch: the DSP and Helium variants keep their buffers on the stack, so a
 * depthwise layer where the arena peaks does not raise it. */
uint32_t th_depthwise_conv2d_s8_scratch_bytes(const th_conv_params *p, int has_bias, const th_dims *input,
                                              const th_dims *filter, const th_dims *output)
{
    (void)p;
    (void)has_bias;
    (void)input;
    (void)filter;
    (void)output;
    return 0;
}

#if !TH_KERNELS_DSP /* else the variant in depthwise_conv_2d_dsp.c */
void th_depthwise_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                            const th_dims *input_dims, const int8_t *input,
                            const th_dims *filter_dims, const int8_t *filter,
                            const int32_t *bias,
                            const th_dims *output_dims, int8_t *output)
{
    (void)scratch;
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t filter_h = filter_dims->h, filter_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t depth_multiplier = p->depth_multiplier;
    const int per_channel = q->count > 1;
    int8_t *out = output;

    for (int32_t batch = 0; batch < output_dims->n; ++batch) {
        const int8_t *input_batch = input + (size_t)batch * in_h * in_w * in_c;
        for (int32_t out_y = 0; out_y < out_h; ++out_y) {
            const int32_t in_y_origin = out_y * p->stride_h - p->pad_h;
            for (int32_t out_x = 0; out_x < out_w; ++out_x) {
                const int32_t in_x_origin = out_x * p->stride_w - p->pad_w;
                /* Output channels in memory order: channel = ic * depth_multiplier + m. */
                for (int32_t channel = 0; channel < out_c; ++channel) {
                    const int32_t in_channel = channel / depth_multiplier;
                    int32_t acc = 0;
                    for (int32_t fy = 0; fy < filter_h; ++fy) {
                        const int32_t in_y = in_y_origin + p->dilation_h * fy;
                        if (in_y < 0 || in_y >= in_h) {
                            continue; /* zero padding: taps outside the image add nothing */
                        }
                        for (int32_t fx = 0; fx < filter_w; ++fx) {
                            const int32_t in_x = in_x_origin + p->dilation_w * fx;
                            if (in_x < 0 || in_x >= in_w) {
                                continue;
                            }
                            const int32_t input_val = input_batch[((size_t)in_y * in_w + in_x) * in_c + in_channel];
                            const int32_t filter_val = filter[((size_t)fy * filter_w + fx) * out_c + channel];
                            acc = th_add_wrap(acc, filter_val * (input_val + p->input_offset));
                        }
                    }
                    *out++ = th_conv_output(p, q, per_channel, bias, channel, acc);
                }
            }
        }
    }
}
#endif

/* 16x8: TFLM's int16 DepthwiseConvPerChannel (no zero points, int64 accumulator). */
void th_depthwise_conv2d_s16(const th_conv_params *p, const th_channel_quant *q,
                             const th_dims *input_dims, const int16_t *input,
                             const th_dims *filter_dims, const int8_t *filter, th_bias16 bias,
                             const th_dims *output_dims, int16_t *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t filter_h = filter_dims->h, filter_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t depth_multiplier = p->depth_multiplier;
    int16_t *out = output;

    for (int32_t batch = 0; batch < output_dims->n; ++batch) {
        const int16_t *input_batch = input + (size_t)batch * in_h * in_w * in_c;
        for (int32_t out_y = 0; out_y < out_h; ++out_y) {
            const int32_t in_y_origin = out_y * p->stride_h - p->pad_h;
            for (int32_t out_x = 0; out_x < out_w; ++out_x) {
                const int32_t in_x_origin = out_x * p->stride_w - p->pad_w;
                for (int32_t channel = 0; channel < out_c; ++channel) {
                    const int32_t in_channel = channel / depth_multiplier;
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < filter_h; ++fy) {
                        const int32_t in_y = in_y_origin + p->dilation_h * fy;
                        if (in_y < 0 || in_y >= in_h) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < filter_w; ++fx) {
                            const int32_t in_x = in_x_origin + p->dilation_w * fx;
                            if (in_x < 0 || in_x >= in_w) {
                                continue;
                            }
                            const int32_t input_val = input_batch[((size_t)in_y * in_w + in_x) * in_c + in_channel];
                            const int32_t filter_val = filter[((size_t)fy * filter_w + fx) * out_c + channel];
                            acc += filter_val * input_val;
                        }
                    }
                    *out++ = th_output_s16(q, bias, channel, acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* --- plan glue (shared with CONV_2D: conv_window.c) ---------------- */

TH_CONV_OP_KERNEL(DEPTHWISE_CONV_2D, 1, th_depthwise_conv2d_s8, th_depthwise_conv2d_s16);
