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
#endif

/* TH_OPS_INT16=0 leaves the converter's 16x8 paths (int16 activations) out of
 * the build, for an op set whose models are all int8 (the MLPerf Tiny image):
 * such a build refuses an int16 plan at load.  Every path is built by default. */
#ifndef TH_OPS_INT16
#define TH_OPS_INT16 1
#endif
#define TH_IS_INT16(dtype) (TH_OPS_INT16 && (dtype) == TH_DTYPE_INT16)
/* An op's int16 kernel where the build has the 16x8 paths, else NULL (so it is not linked). */
#define TH_INT16_KERNEL(fn) (TH_OPS_INT16 ? (fn) : NULL)

/* NHWC activations; filters are OHWI for conv, 1HWO for depthwise. */
typedef struct { int32_t n, h, w, c; } th_dims;

/* Output requantization: per tensor (count 1) or per output channel, read
 * in place from the plan (the forms of th_plan_format.h's
 * TH_PARAMS_QUANT_REF_FIELDS), entry by entry through th_quant_at. */
typedef struct {
    const uint32_t *words;
    const int8_t *shifts; /* the wide form's shifts; NULL in the packed form */
    int32_t count;
    int32_t shift_base;   /* the packed form's */
} th_channel_quant;

typedef struct {
    int32_t multiplier;
    int32_t shift;
} th_quant;

/* Entry i (0 for a per-tensor quantization). */
static inline th_quant th_quant_at(const th_channel_quant *q, int32_t i)
{
    const uint32_t word = q->words[i];
    th_quant r;
    if (q->shifts == NULL) {
        r.multiplier = (int32_t)((word & 0x3FFFFFFFu) | 0x40000000u);
        r.shift = q->shift_base + ((int32_t)word >> 30); /* arithmetic: the signed top two bits */
    } else {
        r.multiplier = (int32_t)word;
        r.shift = q->shifts[i];
    }
    return r;
}

/* Caller-owned scratch (CMSIS-NN style): each kernel that may want one has a
 * *_scratch_bytes() size query; the planner reserves it in the arena.  The
 * queries of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED take the params
 * too (which variant runs depends on them) and tolerate any values; the
 * compiler's prepare computes the same number (hil/compiler/ops/dsp_scratch.py).
 * CONV_2D and FULLY_CONNECTED keep buffers of up to about 1 KiB on the stack
 * and ask for no scratch then. */
typedef struct { void *buf; uint32_t bytes; } th_scratch;

uint32_t th_conv2d_s8_scratch_bytes(const th_conv_params *p, int has_bias, const th_dims *input,
                                    const th_dims *filter, const th_dims *output);
void th_conv2d_s8(const th_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                  const th_dims *input_dims, const int8_t *input,
                  const th_dims *filter_dims, const int8_t *filter,
                  const int32_t *bias, /* NULL or [output channels] */
                  const th_dims *output_dims, int8_t *output);

uint32_t th_depthwise_conv2d_s8_scratch_bytes(const th_conv_params *p, int has_bias, const th_dims *input,
                                              const th_dims *filter, const th_dims *output);
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

/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state.
 * Gates in TFLite's order (input, forget, cell, output): input_weights[g] is
 * [state_dim][input_dim], recurrent_weights[g] [state_dim][state_dim], bias[g]
 * [state_dim].  input is [time][batch][input_dim] when p->time_major, else
 * [batch][time][input_dim]; output likewise with state_dim.  The state lives in
 * scratch (th_lstm_s8_scratch_bytes, int16-aligned) and starts from TFLM's reset
 * state: the cell at 0, the hidden state at p->hidden_zero_point. */
typedef struct {
    const int8_t *input_weights[4];
    const int8_t *recurrent_weights[4];
    const int32_t *bias[4];
} th_lstm_weights;
uint32_t th_lstm_s8_scratch_bytes(int32_t batches, int32_t state_dim);
void th_lstm_s8(const th_lstm_params *p, const th_lstm_weights *w, th_scratch scratch, int32_t batches,
                int32_t time_steps, int32_t input_dim, int32_t state_dim, const int8_t *input, int8_t *output);

/* filter is [output_depth][accum_depth]; input is [batches][accum_depth].
 * quant_count: the op's multipliers (1: one for all channels). */
uint32_t th_fully_connected_s8_scratch_bytes(const th_fc_params *p, int32_t quant_count, int has_bias,
                                             int32_t accum_depth, int32_t output_depth);
void th_fully_connected_s8(const th_fc_params *p, const th_channel_quant *q, th_scratch scratch,
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
void th_mean_s16(const th_mean_params *p, th_reduce_shape *s, const int16_t *input, int16_t *output);
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

/* A shape right-aligned to TH_MAX_RANK dims (missing leading dims are 1),
 * for the broadcasting elementwise kernels. */
typedef struct { int32_t d[TH_MAX_RANK]; } th_shape;

/* Binary elementwise int8 ops with NumPy broadcasting (a dim of 1 broadcasts):
 * `output_shape` is the broadcast of the two input shapes. */
#define TH_BINARY_S8_ARGS                                                            \
    const th_shape *input1_shape, const int8_t *input1, const th_shape *input2_shape, \
    const int8_t *input2, const th_shape *output_shape, int8_t *output
void th_add_s8(const th_add_params *p, TH_BINARY_S8_ARGS);
void th_sub_s8(const th_sub_params *p, TH_BINARY_S8_ARGS);
void th_mul_s8(const th_mul_params *p, TH_BINARY_S8_ARGS);
/* MAXIMUM / MINIMUM compare the int8 values as stored (both inputs and the
 * output share one quantization); they take no params. */
void th_maximum_s8(TH_BINARY_S8_ARGS);
/* PRELU: input1 is the input, input2 alpha (broadcast against it). */
void th_prelu_s8(const th_prelu_params *p, TH_BINARY_S8_ARGS);
void th_squared_difference_s8(const th_squared_difference_params *p, TH_BINARY_S8_ARGS);
void th_minimum_s8(TH_BINARY_S8_ARGS);
/* The int16 binary ops (zero points 0, TFLM's 16x8 arithmetic). */
#define TH_BINARY_S16_ARGS                                                             \
    const th_shape *input1_shape, const int16_t *input1, const th_shape *input2_shape, \
    const int16_t *input2, const th_shape *output_shape, int16_t *output
void th_add_s16(const th_add_params *p, TH_BINARY_S16_ARGS);
void th_sub_s16(const th_sub_params *p, TH_BINARY_S16_ARGS);
void th_mul_s16(const th_mul_params *p, TH_BINARY_S16_ARGS);
/* int16 softmax (output scale 1/32768): TFLM's two 513-entry LUTs, exp on [-10, 0] and 1/(1+x) on [0, 1]. */
void th_softmax_s16(const th_softmax_params *p, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut,
                    int32_t outer, int32_t depth, const int16_t *input, int16_t *output);


/* Elementwise int8 activations over `count` values (TFLM's reference arithmetic). */
void th_relu_s8(const th_relu_params *p, size_t count, const int8_t *input, int8_t *output);
void th_relu6_s8(const th_relu6_params *p, size_t count, const int8_t *input, int8_t *output);
void th_leaky_relu_s8(const th_leaky_relu_params *p, size_t count, const int8_t *input, int8_t *output);
void th_hard_swish_s8(const th_hard_swish_params *p, size_t count, const int8_t *input, int8_t *output);
void th_logistic_s8(const th_logistic_params *p, size_t count, const int8_t *input, int8_t *output);
void th_tanh_s8(const th_tanh_params *p, size_t count, const int8_t *input, int8_t *output);
/* int16 (output scale 2^-15, zero points 0): TFLM's sigmoid LUT interpolation; input_multiplier
 * and input_left_shift are the table input's (x * multiplier + round) >> shift. */
void th_logistic_s16(const th_logistic_params *p, size_t count, const int16_t *input, int16_t *output);
void th_tanh_s16(const th_tanh_params *p, size_t count, const int16_t *input, int16_t *output);

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

/* Data movement: byte copies, so any element size (sizes below are in bytes).
 * SPLIT/SPLIT_V: `outer` times, output i takes the next chunk_bytes[i] bytes. */
void th_split(int32_t outer, int32_t num_outputs, const int32_t *chunk_bytes, const uint8_t *input,
              uint8_t *const *outputs);
/* PACK: `outer` times, chunk_bytes from each input in turn; UNPACK: the reverse. */
void th_pack(int32_t outer, int32_t count, int32_t chunk_bytes, const uint8_t *const *inputs, uint8_t *output);
void th_unpack(int32_t outer, int32_t count, int32_t chunk_bytes, const uint8_t *input, uint8_t *const *outputs);
/* DEPTH_TO_SPACE / SPACE_TO_DEPTH; `space` is the spatial (large H, W) tensor's dims. */
void th_depth_to_space(int32_t block_size, const th_dims *space, int32_t elem_bytes, const uint8_t *input,
                       uint8_t *output);
void th_space_to_depth(int32_t block_size, const th_dims *space, int32_t elem_bytes, const uint8_t *input,
                       uint8_t *output);
/* RESIZE_NEAREST_NEIGHBOR: output pixel (y, x) is input pixel (rows[y], cols[x]). */
void th_resize_nearest(const th_dims *input_dims, const th_dims *output_dims, const int32_t *rows,
                       const int32_t *cols, int32_t elem_bytes, const uint8_t *input, uint8_t *output);

/* RESIZE_BILINEAR int8, TFLM's ResizeBilinearInteger (10-bit coordinates, 20-bit weights). */
void th_resize_bilinear_s8(const th_resize_bilinear_params *p, const th_dims *input_dims, const int8_t *input,
                           const th_dims *output_dims, int8_t *output);
/* Data movement over shapes of rank <= TH_MAX_RANK given as TH_MAX_RANK dims
 * (leading dims 1), elements of `elem` bytes (1, 2 or 4). */
void th_pad(uint32_t elem, const int32_t *in_dims, const void *input, const int32_t *before,
            const int32_t *out_dims, const void *pad_value, void *output);
/* output[i0..i5] = input[base + sum(i_d * step[d])] for i_d < count[d] (steps in elements). */
void th_strided_copy(uint32_t elem, const void *input, int32_t base, const int32_t *count,
                     const int32_t *step, void *output);
/* `outer` rows; each input k contributes row_bytes[k] bytes per row. */
void th_concatenation(uint32_t num_inputs, const void *const *inputs, const uint32_t *row_bytes,
                      int32_t outer, void *output);
/* output[b][o][c][i] = input[b][o][indices[b][c]][i] (b < batch, o < outer, c < coords,
 * i < inner; the gathered axis has axis_size entries). */
void th_gather(uint32_t elem, const void *input, const int32_t *indices, int32_t batch, int32_t outer,
               int32_t axis_size, int32_t coords, int32_t inner, void *output);

#endif
