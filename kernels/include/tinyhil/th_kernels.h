/* The int8 kernels: plain pointers and dimensions, no plan, no allocation.
 * Each is byte-exact with the TFLM reference kernel of the same op.  A kernel
 * assumes its arguments were validated (the runtime does that once at load). */
#ifndef TH_KERNELS_H
#define TH_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "th_plan_format.h"

/* TH_FLOAT_IO=1 builds the float32 model-I/O conversions (QUANTIZE from float32,
 * DEQUANTIZE to float32) into the engine, for boards with an FPU; the default
 * build keeps no float and leaves them to the host side of the link. */
#ifndef TH_FLOAT_IO
#define TH_FLOAT_IO 0
#if TH_FLOAT_IO
/* float32 -> int8/int16 (output_dtype) and int8/uint8/int16 -> float32, TFLM's arithmetic. */
void th_quantize_f32(const th_quantize_params *p, size_t count, const float *input, uint8_t output_dtype,
                     void *output);
void th_dequantize_f32(const th_dequantize_params *p, size_t count, uint8_t input_dtype, const void *input,
                       float *output);
#endif

#endif

/* NHWC activations; filters are OHWI for conv, 1HWO for depthwise. */
typedef struct { int32_t n, h, w, c; } th_dims;

/* Output requantization: per tensor (count 1) or per output channel. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t count;
} th_channel_quant;

/* Caller-owned scratch (CMSIS-NN style): each kernel that may want one has a
 * *_scratch_bytes() size query; the planner reserves it in the arena. */
typedef struct { void *buf; uint32_t bytes; } th_scratch;

uint32_t th_conv2d_s8_scratch_bytes(const th_dims *input, const th_dims *filter, const th_dims *output);
void th_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                  const th_dims *input_dims, const int8_t *input,
                  const th_dims *filter_dims, const int8_t *filter,
                  const int32_t *bias, /* NULL or [output channels] */
                  const th_dims *output_dims, int8_t *output);

uint32_t th_depthwise_conv2d_s8_scratch_bytes(const th_dims *input, const th_dims *filter, const th_dims *output);
void th_depthwise_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                            const th_dims *input_dims, const int8_t *input,
                            const th_dims *filter_dims, const int8_t *filter,
                            const int32_t *bias,
                            const th_dims *output_dims, int8_t *output);

/* The 16x8 kernels (int16 activations, int8 filters): TFLM accumulates in
 * int32 when the bias is int32, in int64 when it is int64 or absent. */
typedef struct {
    const int32_t *bias32; /* an int32 bias [output channels]: the int32 accumulator */
    const int64_t *bias64; /* an int64 bias, or neither: the int64 accumulator */
} th_bias16;

void th_conv2d_s16(const th_conv_params *p, const th_channel_quant *q,
                   const th_dims *input_dims, const int16_t *input,
                   const th_dims *filter_dims, const int8_t *filter, th_bias16 bias,
                   const th_dims *output_dims, int16_t *output);
void th_depthwise_conv2d_s16(const th_conv_params *p, const th_channel_quant *q,
                             const th_dims *input_dims, const int16_t *input,
                             const th_dims *filter_dims, const int8_t *filter, th_bias16 bias,
                             const th_dims *output_dims, int16_t *output);

/* TRANSPOSE_CONV: filter is OHWI ([output channels][h][w][input channels]).
 * scratch holds one int32 accumulator per output value (th_transpose_conv_s8_scratch_bytes). */
uint32_t th_transpose_conv_s8_scratch_bytes(const th_dims *output);
void th_transpose_conv_s8(const th_transpose_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                          const th_dims *input_dims, const int8_t *input,
                          const th_dims *filter_dims, const int8_t *filter,
                          const int32_t *bias, /* NULL or [output channels] */
                          const th_dims *output_dims, int8_t *output);

/* BATCH_MATMUL: lhs_dims / rhs_dims are the operands' shapes as stored, padded
 * to rank 5 with leading ones; batch dims of 1 broadcast.  The output is
 * [broadcast batch dims][M][N], row-major. */
void th_batch_matmul_s8(const th_batch_matmul_params *p, const int32_t lhs_dims[5], const int8_t *lhs,
                        const int32_t rhs_dims[5], const int8_t *rhs, int8_t *output);

/* filter is [output_depth][accum_depth]; input is [batches][accum_depth]. */
void th_fully_connected_s8(const th_fc_params *p, const th_channel_quant *q,
                           int32_t batches, int32_t accum_depth, int32_t output_depth,
                           const int8_t *input, const int8_t *filter, const int32_t *bias,
                           int8_t *output);

void th_fully_connected_s16(const th_fc_params *p, const th_channel_quant *q,
                            int32_t batches, int32_t accum_depth, int32_t output_depth,
                            const int16_t *input, const int8_t *filter, th_bias16 bias,
                            int16_t *output);

void th_avg_pool2d_s8(const th_pool_params *p, const th_dims *input_dims, const int8_t *input,
                      const th_dims *output_dims, int8_t *output);
void th_max_pool2d_s8(const th_pool_params *p, const th_dims *input_dims, const int8_t *input,
                      const th_dims *output_dims, int8_t *output);
void th_avg_pool2d_s16(const th_pool_params *p, const th_dims *input_dims, const int16_t *input,
                       const th_dims *output_dims, int16_t *output);
void th_max_pool2d_s16(const th_pool_params *p, const th_dims *input_dims, const int16_t *input,
                       const th_dims *output_dims, int16_t *output);

/* Mean over H and W of an NHWC tensor; output is [n][c]. */
void th_mean_hw_s8(const th_mean_params *p, const th_dims *input_dims, const int8_t *input,
                   int8_t *output);
void th_mean_hw_s16(const th_mean_params *p, const th_dims *input_dims, const int16_t *input,
                    int16_t *output);

/* Softmax over the innermost axis of `outer` rows of `depth` values. */
void th_softmax_s8(const th_softmax_params *p, int32_t outer, int32_t depth,
                   const int8_t *input, int8_t *output);

/* int16 softmax (output scale 1/32768): TFLM's two 513-entry LUTs, exp on [-10, 0] and 1/(1+x) on [0, 1]. */
void th_softmax_s16(const th_softmax_params *p, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut,
                    int32_t outer, int32_t depth, const int16_t *input, int16_t *output);

/* Elementwise add with NumPy broadcasting over 4-D shapes (a dim of 1 broadcasts). */
void th_add_s8(const th_add_params *p, const th_dims *input1_dims, const int8_t *input1,
               const th_dims *input2_dims, const int8_t *input2,
               const th_dims *output_dims, int8_t *output);

/* Elementwise int8 activations over `count` values (TFLM's reference arithmetic). */
void th_relu_s8(const th_relu_params *p, size_t count, const int8_t *input, int8_t *output);
void th_relu6_s8(const th_relu6_params *p, size_t count, const int8_t *input, int8_t *output);
void th_leaky_relu_s8(const th_leaky_relu_params *p, size_t count, const int8_t *input, int8_t *output);
void th_hard_swish_s8(const th_hard_swish_params *p, size_t count, const int8_t *input, int8_t *output);
void th_logistic_s8(const th_logistic_params *p, size_t count, const int8_t *input, int8_t *output);
void th_tanh_s8(const th_tanh_params *p, size_t count, const int8_t *input, int8_t *output);

/* QUANTIZE between integer types: `count` elements of input_dtype to output_dtype (th_dtype). */
void th_requantize(const th_quantize_params *p, size_t count, uint8_t input_dtype, const void *input,
                   uint8_t output_dtype, void *output);

#if TH_FLOAT_IO
/* float32 -> int8/int16 (output_dtype) and int8/uint8/int16 -> float32, TFLM's arithmetic. */
void th_quantize_f32(const th_quantize_params *p, size_t count, const float *input, uint8_t output_dtype,
                     void *output);
void th_dequantize_f32(const th_dequantize_params *p, size_t count, uint8_t input_dtype, const void *input,
                       float *output);
#endif

#endif
