/* Plan glue shared by CONV_2D and DEPTHWISE_CONV_2D, and the 16x8 output
 * step (th_output_s16 and its checks) that FULLY_CONNECTED shares too. */
#ifndef TH_CONV_WINDOW_H
#define TH_CONV_WINDOW_H
#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"

enum { TH_CONV_INPUT = 0, TH_CONV_FILTER = 1, TH_CONV_BIAS = 2 };

/* Bounds that keep every index and the int32 accumulator of TFLM's kernels
 * exact: |filter * (input - zero point)| <= 128 * 255, so 65536 of them fit. */
#define TH_CONV_MAX_STRIDE 1024
#define TH_CONV_MAX_DILATION 1024
#define TH_CONV_MAX_ACCUM_DEPTH 65536

/* What the plan stores at params_offset for both ops. */
typedef struct {
    th_conv_params conv;
    th_quant_ref quant;
} th_conv_plan_params;

/* th_conv2d_s8 and th_depthwise_conv2d_s8, and their scratch queries. */
typedef void (*th_conv_kernel)(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                               const th_dims *input_dims, const int8_t *input, const th_dims *filter_dims,
                               const int8_t *filter, const int32_t *bias, const th_dims *output_dims, int8_t *output);
typedef uint32_t (*th_conv_scratch_query)(const th_conv_params *p, int has_bias, const th_dims *input,
                                          const th_dims *filter, const th_dims *output);

/* One output of the reference kernels, as TFLM ends ConvPerChannel and
 * DepthwiseConvPerChannel: bias, the channel's requantization (or the
 * per-tensor one), the output zero point, the activation clamp. */
static inline int8_t th_conv_output(const th_conv_params *p, const th_channel_quant *q, int per_channel,
                                    const int32_t *bias, int32_t channel, int32_t acc)
{
    if (bias != NULL) {
        acc = th_add_wrap(acc, bias[channel]);
    }
    const th_quant qc = th_quant_at(q, per_channel ? channel : 0);
    acc = th_multiply_by_quantized_multiplier(acc, qc.multiplier, qc.shift);
    acc = th_add_wrap(acc, p->output_offset);
    return (int8_t)th_clamp(acc, p->act_min, p->act_max);
}

/* One output of the 16x8 reference kernels from the exact sum `acc`: with an
 * int32 bias TFLM's int32 accumulator (the sum wrapped to int32) and its int32
 * requantization; otherwise the int64 accumulator and TFLM's int64
 * MultiplyByQuantizedMultiplier.  No zero points (int16 ones are 0). */
static inline int16_t th_output_s16(const th_channel_quant *q, th_bias16 bias, int32_t channel, int64_t acc,
                                    int32_t act_min, int32_t act_max)
{
    const th_quant qc = th_quant_at(q, q->count > 1 ? channel : 0);
    int32_t out;
    if (bias.bias32 != NULL) {
        const int32_t acc32 = th_add_wrap((int32_t)(uint32_t)(uint64_t)acc, bias.bias32[channel]);
        out = th_multiply_by_quantized_multiplier(acc32, qc.multiplier, qc.shift);
    } else {
        if (bias.bias64 != NULL) {
            acc = th_add_wrap64(acc, bias.bias64[channel]);
        }
        out = th_multiply_by_quantized_multiplier_s64(acc, qc.multiplier, qc.shift);
    }
    return (int16_t)th_clamp(out, act_min, act_max);
}

/* The whole validate of CONV_2D (depthwise 0) or DEPTHWISE_CONV_2D (depthwise 1). */
th_status th_conv_validate(const th_op_ctx *ctx, int depthwise, th_error *err);

typedef void (*th_conv_kernel_s16)(const th_conv_params *p, const th_channel_quant *q, const th_dims *input_dims,
                                   const int16_t *input, const th_dims *filter_dims, const int8_t *filter,
                                   th_bias16 bias, const th_dims *output_dims, int16_t *output);

/* The bias pointers of a 16x8 op (input `index`: absent, int32 or int64). */
th_bias16 th_bias16_of(const th_tensor *bias);

/* Checks of a 16x8 op's quantization beyond th_op_check_quant: with the int64
 * accumulator (bias not int32) TFLM's int64 requantization takes shifts up to 7. */
th_status th_check_quant_s16(const th_op_ctx *ctx, const th_channel_quant *q, const th_tensor *bias, th_error *err);

/* eval: the op's params, quantization and tensors handed to `kernel` (int8)
 * or `kernel16` (int16 activations). */
void th_conv_eval(const th_op_ctx *ctx, th_conv_kernel kernel, th_conv_kernel_s16 kernel16);

/* scratch_bytes: called before validate, so it reads dims (always in range) and params (0 when the op's
 * params are too short) and tolerates anything. */
uint32_t th_conv_scratch_bytes(const th_op_ctx *ctx, th_conv_scratch_query query);

/* The op descriptor of CONV_2D or DEPTHWISE_CONV_2D: the shared glue above
 * around the op's kernel `kernel` and its query `kernel##_scratch_bytes`. */
#define TH_CONV_OP_KERNEL(op, depthwise, kernel, kernel16)                                \
    static th_status op##_validate(const th_op_ctx *ctx, th_error *err)           \
    {                                                                             \
        return th_conv_validate(ctx, (depthwise), err);                           \
    }                                                                             \
    static void op##_eval(const th_op_ctx *ctx)                                   \
    {                                                                             \
        th_conv_eval(ctx, kernel, TH_INT16_KERNEL(kernel16));                       \
    }                                                                             \
    static uint32_t op##_scratch_bytes(const th_op_ctx *ctx)                      \
    {                                                                             \
        return th_conv_scratch_bytes(ctx, kernel##_scratch_bytes);                \
    }                                                                             \
    const th_op_kernel TH_OP_KERNEL(op) = {2, 3, 1, 1, op##_validate, op##_eval, op##_scratch_bytes}

/* dtype, and rank 4 for int8/int16 activations and filters. */
th_status th_conv_check_tensor(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype,
                               th_error *err);

/* One spatial axis: output size and leading pad must be TFLM's for SAME or
 * VALID, and every coordinate the kernel forms must fit in int32.
 * pad_field_offset locates the pad in the params struct, for the error. */
th_status th_conv_check_axis(const th_op_ctx *ctx, int32_t filter_index, uint32_t pad_field_offset, int32_t in,
                             int32_t filter, int32_t stride, int32_t dilation, int32_t pad, int32_t out,
                             th_error *err);

#endif
