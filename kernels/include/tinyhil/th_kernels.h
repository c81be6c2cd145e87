/* The int8 kernels: plain pointers and dimensions, no plan, no allocation.
 * Each is byte-exact with the TFLM reference kernel of the same op.  A kernel
 * assumes its arguments were validated (the runtime does that once at load). */
#ifndef TH_KERNELS_H
#define TH_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "th_plan_format.h"

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

/* filter is [output_depth][accum_depth]; input is [batches][accum_depth]. */
void th_fully_connected_s8(const th_fc_params *p, const th_channel_quant *q,
                           int32_t batches, int32_t accum_depth, int32_t output_depth,
                           const int8_t *input, const int8_t *filter, const int32_t *bias,
                           int8_t *output);

void th_avg_pool2d_s8(const th_pool_params *p, const th_dims *input_dims, const int8_t *input,
                      const th_dims *output_dims, int8_t *output);
void th_max_pool2d_s8(const th_pool_params *p, const th_dims *input_dims, const int8_t *input,
                      const th_dims *output_dims, int8_t *output);

/* A reduction over any set of input dims, as loops: adjacent dims that are
 * both kept or both reduced are merged and dims of 1 dropped, leaving the
 * kept dims (the output, row-major) and the reduced dims (summed or compared
 * per output), each with its stride in the input, innermost first.  A part
 * with no dims (n = 0) still has dims[0] = 1 and strides[0] = 0, so the
 * kernels' innermost loops need no special case. */
typedef struct {
    int32_t n;
    int32_t dims[TH_MAX_RANK];
    int32_t strides[TH_MAX_RANK];
    int32_t index[TH_MAX_RANK]; /* the kernels' odometer over dims 1..n-1, zeroed by init */
    int32_t size;               /* product of dims */
} th_reduce_dims;
typedef struct {
    th_reduce_dims part[2]; /* [0]: kept (size = outputs), [1]: reduced (size = values per output) */
} th_reduce_shape;
/* `axes`: bit d set reduces dim d (d < rank). */
void th_reduce_shape_init(th_reduce_shape *s, const int32_t *dims, uint32_t rank, uint32_t axes);

/* MEAN / SUM (TFLM's QuantizedMeanOrSum): per output, the int32 sum of its
 * `count` inputs, centred and requantized by p's multiplier and shift. */
void th_mean_s8(const th_mean_params *p, th_reduce_shape *s, const int8_t *input, int8_t *output);
/* REDUCE_MAX (flip 0) and REDUCE_MIN (flip -1: the max of ~x is ~ the min of x): the int8 bytes
 * compared as they are, no requantization (TFLM's ReduceGeneric). */
void th_reduce_max_s8(th_reduce_shape *s, int8_t flip, const int8_t *input, int8_t *output);

/* ARG_MAX (flip 0) and ARG_MIN (flip -1) of an int8 [outer][axis_size][inner]
 * input along its middle dim: int32 indices [outer][inner], the first one on
 * ties (TFLM's ArgMinMax with a strict comparison). */
void th_arg_max_s8(int32_t outer, int32_t axis_size, int32_t inner, int8_t flip, const int8_t *input,
                   int32_t *output);

/* Softmax over the innermost axis of `outer` rows of `depth` values. */
void th_softmax_s8(const th_softmax_params *p, int32_t outer, int32_t depth,
                   const int8_t *input, int8_t *output);

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

#endif
