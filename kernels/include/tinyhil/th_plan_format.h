/* The binary plan: the one description of the layout shared by the C runtime
 * and the Python compiler (hil/compiler/plan_format.py parses the X-macro lists here).
 *
 * A plan is little-endian, 4-byte aligned, and laid out as
 *   header | tensor records | op records | io list | operand list | dims list | constant region
 * The io list holds the graph's input then output tensor indices (uint16);
 * the operand list holds every op's input then output tensor indices (uint16),
 * each op's run starting at its record's first_operand; the dims list holds
 * every tensor's dims (int32), each tensor's run starting at its first_dim.
 * Every offset below is relative to the start of the plan, except tensor and
 * params offsets into the constant region, which are relative to its start.
 * The CRC (IEEE 802.3, reflected, as zlib.crc32) covers bytes [16, total_size).
 */
#ifndef TH_PLAN_FORMAT_H
#define TH_PLAN_FORMAT_H
#include <stdint.h>

#define TH_PLAN_MAGIC 0x4C504854u /* "THPL" */
#define TH_PLAN_VERSION_MAJOR 4 /* 4.0: packed per-channel quantization, the dims list, 12-byte tensor and 20-byte op records */
#define TH_PLAN_VERSION_MINOR 0
#define TH_PLAN_ALIGN 16          /* constant data and arena offsets */
#define TH_MAX_RANK 6
#define TH_MAX_OP_INPUTS 24       /* UNIDIRECTIONAL_SEQUENCE_LSTM has 24 */
#define TH_MAX_OP_OUTPUTS 16
#define TH_NO_TENSOR 0xFFFFu
#define TH_MAX_DIM (1 << 24)

/* X(name, id): op types.  Names and ids are TFLite's builtin operator names
 * and codes (schema.fbs BuiltinOperator), so a plan speaks TFLite's vocabulary.
 * Which of them a build links is its op set (op_table.c). */
#define TH_OP_LIST(X)                   \
    X(ADD, 0)                           \
    X(AVERAGE_POOL_2D, 1)               \
    X(CONCATENATION, 2)                 \
    X(CONV_2D, 3)                       \
    X(DEPTHWISE_CONV_2D, 4)             \
    X(DEPTH_TO_SPACE, 5)                \
    X(DEQUANTIZE, 6)                    \
    X(FULLY_CONNECTED, 9)               \
    X(LOGISTIC, 14)                     \
    X(MAX_POOL_2D, 17)                  \
    X(MUL, 18)                          \
    X(RELU, 19)                         \
    X(RELU6, 21)                        \
    X(RESHAPE, 22)                      \
    X(RESIZE_BILINEAR, 23)              \
    X(SOFTMAX, 25)                      \
    X(SPACE_TO_DEPTH, 26)               \
    X(TANH, 28)                         \
    X(PAD, 34)                          \
    X(GATHER, 36)                       \
    X(TRANSPOSE, 39)                    \
    X(MEAN, 40)                         \
    X(SUB, 41)                          \
    X(SQUEEZE, 43)                      \
    X(UNIDIRECTIONAL_SEQUENCE_LSTM, 44) \
    X(STRIDED_SLICE, 45)                \
    X(SPLIT, 49)                        \
    X(PRELU, 54)                        \
    X(MAXIMUM, 55)                      \
    X(ARG_MAX, 56)                      \
    X(MINIMUM, 57)                      \
    X(PADV2, 60)                        \
    X(SLICE, 65)                        \
    X(TRANSPOSE_CONV, 67)               \
    X(EXPAND_DIMS, 70)                  \
    X(SUM, 74)                          \
    X(ARG_MIN, 79)                      \
    X(REDUCE_MAX, 82)                   \
    X(PACK, 83)                         \
    X(UNPACK, 88)                       \
    X(REDUCE_MIN, 89)                   \
    X(RESIZE_NEAREST_NEIGHBOR, 97)      \
    X(LEAKY_RELU, 98)                   \
    X(SQUARED_DIFFERENCE, 99)           \
    X(SPLIT_V, 102)                     \
    X(QUANTIZE, 114)                    \
    X(HARD_SWISH, 117)                  \
    X(BATCH_MATMUL, 126)

typedef enum {
#define TH_OP_ENUM(name, id) TH_OP_##name = id,
    TH_OP_LIST(TH_OP_ENUM)
#undef TH_OP_ENUM
} th_op_type;

/* X(name, id, element size).  FLOAT32 appears only at a model's edges (its
 * inputs and outputs); INT64 only in constants (16x8 biases). */
#define TH_DTYPE_LIST(X) \
    X(INT8, 1, 1)        \
    X(INT32, 2, 4)       \
    X(INT16, 3, 2)       \
    X(UINT8, 4, 1)       \
    X(FLOAT32, 5, 4)     \
    X(INT64, 6, 8)

typedef enum {
#define TH_DTYPE_ENUM(name, id, size) TH_DTYPE_##name = id,
    TH_DTYPE_LIST(TH_DTYPE_ENUM)
#undef TH_DTYPE_ENUM
} th_dtype;

typedef enum {
    TH_STORAGE_ARENA = 0, /* offset is into the arena */
    TH_STORAGE_CONST = 1  /* offset is into the plan's constant region */
} th_storage;

/* Fixed-size records.  F(type, name) lists keep C and Python in step. */
#define TH_PLAN_HEADER_FIELDS(F)  \
    F(uint32_t, magic)            \
    F(uint16_t, version_major)    \
    F(uint16_t, version_minor)    \
    F(uint32_t, total_size)       \
    F(uint32_t, crc32)            \
    F(uint32_t, arena_bytes)      \
    F(uint16_t, num_tensors)      \
    F(uint16_t, num_ops)          \
    F(uint16_t, num_inputs)       \
    F(uint16_t, num_outputs)      \
    F(uint32_t, tensors_offset)   \
    F(uint32_t, ops_offset)       \
    F(uint32_t, io_offset)        \
    F(uint32_t, const_offset)     \
    F(uint32_t, const_size)       \
    F(uint32_t, operands_offset)  \
    F(uint32_t, num_operands)     \
    F(uint32_t, dims_offset)      \
    F(uint32_t, num_dims)

/* A tensor: its dims are dims-list entries [first_dim, first_dim + rank),
 * each in [1, TH_MAX_DIM]; its byte size is not stored: it is the product of
 * its dims times its dtype's element size.  (A zero point of an int8, uint8
 * or int16 tensor fits int16; wider tensors have 0.) */
#define TH_TENSOR_RECORD_FIELDS(F) \
    F(uint8_t, dtype)              \
    F(uint8_t, rank)               \
    F(uint8_t, storage)            \
    F(uint8_t, reserved)           \
    F(int16_t, zero_point)         \
    F(uint16_t, first_dim)         \
    F(uint32_t, offset)

/* The op's operands are operand-list entries [first_operand, first_operand +
 * num_inputs + num_outputs): inputs (tensor indices or TH_NO_TENSOR, e.g. a
 * missing bias), then outputs. */
#define TH_OP_RECORD_FIELDS(F)  \
    F(uint16_t, op_type)        \
    F(uint8_t, num_inputs)      \
    F(uint8_t, num_outputs)     \
    F(uint16_t, first_operand)  \
    F(uint16_t, params_bytes)   \
    F(uint32_t, params_offset)  \
    F(uint32_t, scratch_offset) \
    F(uint32_t, scratch_bytes)

#define TH_DECLARE_FIELD(type, name) type name;
typedef struct { TH_PLAN_HEADER_FIELDS(TH_DECLARE_FIELD) } th_plan_header;
typedef struct { TH_TENSOR_RECORD_FIELDS(TH_DECLARE_FIELD) } th_tensor_record;
typedef struct { TH_OP_RECORD_FIELDS(TH_DECLARE_FIELD) } th_op_record;

/* Per-op parameters as stored in the constant region: every field is int32,
 * so the layout is the same on every target.  Fields named *_offset are
 * constant-region offsets of int32 arrays the compiler appended. */
#define TH_PARAMS_CONV_FIELDS(F)                                  \
    F(int32_t, input_offset)  /* -input zero point */            \
    F(int32_t, output_offset) /* output zero point */            \
    F(int32_t, stride_h) F(int32_t, stride_w)                     \
    F(int32_t, dilation_h) F(int32_t, dilation_w)                 \
    F(int32_t, pad_h) F(int32_t, pad_w) /* top and left */        \
    F(int32_t, depth_multiplier) /* depthwise only; 1 for conv */ \
    F(int32_t, act_min) F(int32_t, act_max)

/* Output requantization, per tensor (count 1) or per output channel: entry i
 * is TFLM's multiplier (0 or in [2^30, 2^31)) and shift (in [-31, 30]), read
 * from quant_count uint32 words at words_offset in one of two forms:
 *   packed (shifts_offset == TH_PACKED_SHIFTS): the multiplier is nonzero, word
 *     bits 0..29 are its low bits (bit 30 is implied) and bits 31..30, a signed
 *     2-bit value in [-2, 1], are added to shift_base: one word per entry, for
 *     an op whose shifts span at most four values (most do);
 *   wide: the word is the multiplier and quant_count int8 shifts follow at
 *     shifts_offset (shift_base 0), for any other op.
 * (kernels read an entry through th_quant_at, th_kernels.h) */
#define TH_PACKED_SHIFTS 0xFFFFFFFFu
#define TH_PARAMS_QUANT_REF_FIELDS(F) \
    F(int32_t, quant_count)           \
    F(int32_t, shift_base)            \
    F(uint32_t, words_offset)         \
    F(uint32_t, shifts_offset)

#define TH_PARAMS_FC_FIELDS(F)                      \
    F(int32_t, input_offset)                        \
    F(int32_t, filter_offset)                       \
    F(int32_t, output_offset)                       \
    F(int32_t, act_min) F(int32_t, act_max)

#define TH_PARAMS_POOL_FIELDS(F)                    \
    F(int32_t, stride_h) F(int32_t, stride_w)       \
    F(int32_t, filter_h) F(int32_t, filter_w)       \
    F(int32_t, pad_h) F(int32_t, pad_w)             \
    F(int32_t, act_min) F(int32_t, act_max)

/* MEAN and SUM over the input dims whose bit is set in `axes` (bit d: dim d):
 * out = sum(in - input_zero_point) * multiplier * 2^shift + output_zero_point,
 * TFLM's QuantizedMeanOrSum.  For MEAN, multiplier/shift already fold in both
 * the scale ratio and 1/count; for SUM they are the scale ratio alone. */
#define TH_PARAMS_MEAN_FIELDS(F)                    \
    F(int32_t, input_zero_point)                    \
    F(int32_t, output_zero_point)                   \
    F(int32_t, multiplier) F(int32_t, shift)        \
    F(int32_t, axes)

/* REDUCE_MAX / REDUCE_MIN over the dims whose bit is set in `axes`; the
 * output keeps the input's quantization (TFLM requires it), no requantization. */
#define TH_PARAMS_REDUCE_FIELDS(F)                  \
    F(int32_t, axes)

/* ARG_MAX / ARG_MIN along input dim `axis` (resolved, >= 0); int32 indices. */
#define TH_PARAMS_ARG_FIELDS(F)                     \
    F(int32_t, axis)

/* SOFTMAX: int8 (input_left_shift >= 0, diff_min) or int16 (input_left_shift
 * is QuantizeMultiplier's signed shift; diff_min 0).  int16 only: the
 * constant-region offsets of TFLM's two 513-entry int16 LUTs (exp on [-10, 0],
 * 1/(1+x) on [0, 1]), each stored as 257 int32 words of little-endian int16
 * pairs (the last half-word 0); both 0 for int8. */
#define TH_PARAMS_SOFTMAX_FIELDS(F)                 \
    F(int32_t, input_multiplier)                    \
    F(int32_t, input_left_shift)                    \
    F(int32_t, diff_min)                            \
    F(uint32_t, exp_lut_offset)                     \
    F(uint32_t, one_over_one_plus_x_lut_offset)

#define TH_PARAMS_ADD_FIELDS(F)                     \
    F(int32_t, left_shift)                          \
    F(int32_t, input1_offset)                       \
    F(int32_t, input1_multiplier)                   \
    F(int32_t, input1_shift)                        \
    F(int32_t, input2_offset)                       \
    F(int32_t, input2_multiplier)                   \
    F(int32_t, input2_shift)                        \
    F(int32_t, output_offset)                       \
    F(int32_t, output_multiplier)                   \
    F(int32_t, output_shift)                        \
    F(int32_t, act_min) F(int32_t, act_max)

/* MUL: out = clamp(output_offset + (x1 + input1_offset) * (x2 + input2_offset)
 * * multiplier * 2^shift, act_min, act_max), TFLM's reference MulElementwise
 * (the multiplier is s1 * s2 / so, QuantizeMultiplier: the shift may be > 0). */
#define TH_PARAMS_MUL_FIELDS(F)                     \
    F(int32_t, input1_offset)                       \
    F(int32_t, input2_offset)                       \
    F(int32_t, output_offset)                       \
    F(int32_t, output_multiplier)                   \
    F(int32_t, output_shift)                        \
    F(int32_t, act_min) F(int32_t, act_max)

/* PRELU: TFLM's reference BroadcastPrelu: v = input + input_offset; v >= 0 is
 * scaled by the identity multiplier (s_in / s_out), v < 0 is multiplied by
 * (alpha + alpha_offset) and scaled by the alpha one (s_in * s_alpha / s_out);
 * plus output_offset, clamped to int8.  Both are QuantizeMultiplier's (shift may be > 0). */
#define TH_PARAMS_PRELU_FIELDS(F)                   \
    F(int32_t, input_offset)                        \
    F(int32_t, alpha_offset)                        \
    F(int32_t, output_offset)                       \
    F(int32_t, identity_multiplier) F(int32_t, identity_shift) \
    F(int32_t, alpha_multiplier) F(int32_t, alpha_shift)

/* RELU: out = clamp(output_offset + (in - input_offset) * multiplier * 2^shift,
 * act_min, act_max), TFLM's ReluQuantized (offsets are the zero points). */
#define TH_PARAMS_RELU_FIELDS(F)                    \
    F(int32_t, input_offset)                        \
    F(int32_t, output_offset)                       \
    F(int32_t, multiplier) F(int32_t, shift)        \
    F(int32_t, act_min) F(int32_t, act_max)

/* RELU6: TFLM's int8 Relu6 only clamps the input bytes to [zero, six] of the
 * input's quantization (no requantization). */
#define TH_PARAMS_RELU6_FIELDS(F)                   \
    F(int32_t, act_min) F(int32_t, act_max)

/* LEAKY_RELU: (in - input_offset) scaled by the identity multiplier when
 * >= 0, by the alpha one when < 0, plus output_offset, clamped to int8. */
#define TH_PARAMS_LEAKY_RELU_FIELDS(F)              \
    F(int32_t, input_offset)                        \
    F(int32_t, output_offset)                       \
    F(int32_t, identity_multiplier) F(int32_t, identity_shift) \
    F(int32_t, alpha_multiplier) F(int32_t, alpha_shift)

/* HARD_SWISH: TFLM's int8 reference HardSwish, int16 fixed point; the
 * multipliers are int16 Q15 (DownScaleInt32ToInt16Multiplier), the output
 * exponent in [-15, 0], the reluish exponent in [-15, 15]. */
#define TH_PARAMS_HARD_SWISH_FIELDS(F)              \
    F(int32_t, input_zero_point)                    \
    F(int32_t, output_zero_point)                   \
    F(int32_t, output_multiplier) F(int32_t, output_shift) \
    F(int32_t, reluish_multiplier) F(int32_t, reluish_shift)

/* LOGISTIC: TFLM's int8 reference Logistic (gemmlowp logistic on Q4.27);
 * the output is fixed at scale 1/256, zero point -128.  int16: zero points 0,
 * output scale 2^-15, the LUT kernel's table input (x * input_multiplier +
 * round) >> input_left_shift; input_zero_point and input_range_radius are 0. */
#define TH_PARAMS_LOGISTIC_FIELDS(F)                \
    F(int32_t, input_zero_point)                    \
    F(int32_t, input_range_radius)                  \
    F(int32_t, input_multiplier) F(int32_t, input_left_shift)

/* QUANTIZE between integer types (TFLM's Requantize): out = clamp(output_zero_point
 * + (in - input_zero_point) * multiplier * 2^shift) to the output type.  From
 * float32 (a model input, only in a TH_FLOAT_IO build): out = clamp(output_zero_point
 * + (int32)roundf(in / output_scale)), output_scale given as its float32 bits. */
#define TH_PARAMS_QUANTIZE_FIELDS(F)                \
    F(int32_t, input_zero_point)                    \
    F(int32_t, output_zero_point)                   \
    F(int32_t, multiplier) F(int32_t, shift)        \
    F(uint32_t, output_scale_f32)

/* DEQUANTIZE to float32 (a model output, only in a TH_FLOAT_IO build):
 * out = input_scale * (in - input_zero_point), input_scale as its float32 bits. */
#define TH_PARAMS_DEQUANTIZE_FIELDS(F)              \
    F(int32_t, input_zero_point)                    \
    F(uint32_t, input_scale_f32)

typedef struct { TH_PARAMS_QUANTIZE_FIELDS(TH_DECLARE_FIELD) } th_quantize_params;
typedef struct { TH_PARAMS_DEQUANTIZE_FIELDS(TH_DECLARE_FIELD) } th_dequantize_params;
/* TRANSPOSE_CONV: TFLM's reference_integer_ops::TransposeConv.  The pads are
 * TFLM's ComputePaddingHeightWidth run on the *output* size (SAME or VALID). */
#define TH_PARAMS_TRANSPOSE_CONV_FIELDS(F)          \
    F(int32_t, input_offset)  /* -input zero point */ \
    F(int32_t, output_offset) /* output zero point */ \
    F(int32_t, stride_h) F(int32_t, stride_w)       \
    F(int32_t, pad_h) F(int32_t, pad_w)             \
    F(int32_t, act_min) F(int32_t, act_max)

typedef struct { TH_PARAMS_TRANSPOSE_CONV_FIELDS(TH_DECLARE_FIELD) } th_transpose_conv_params;

/* BATCH_MATMUL: TFLM's int8 reference BatchMatMul: out = clamp(output_offset +
 * sum((lhs + lhs_offset) * (rhs + rhs_offset)) * multiplier * 2^shift, -128, 127)
 * (no fused activation); adj_x / adj_y (0 or 1) say an operand's last two dims
 * are swapped (lhs [.., K, M], rhs [.., N, K]). */
#define TH_PARAMS_BATCH_MATMUL_FIELDS(F)            \
    F(int32_t, lhs_offset)    /* -lhs zero point */ \
    F(int32_t, rhs_offset)    /* -rhs zero point */ \
    F(int32_t, output_offset) /* output zero point */ \
    F(int32_t, multiplier) F(int32_t, shift)        \
    F(int32_t, adj_x) F(int32_t, adj_y)

typedef struct { TH_PARAMS_BATCH_MATMUL_FIELDS(TH_DECLARE_FIELD) } th_batch_matmul_params;
/* SPLIT, SPLIT_V: the input's axis (resolved, >= 0) cut into the outputs in
 * order, each taking its own extent along it (equal extents for SPLIT). */
#define TH_PARAMS_SPLIT_FIELDS(F)                   \
    F(int32_t, axis)

typedef struct { TH_PARAMS_SPLIT_FIELDS(TH_DECLARE_FIELD) } th_split_params;

/* PACK, UNPACK: the axis (resolved, >= 0) of the stacked tensor (PACK's
 * output, UNPACK's input) along which the pieces are laid side by side. */
#define TH_PARAMS_PACK_FIELDS(F)                    \
    F(int32_t, axis)

typedef struct { TH_PARAMS_PACK_FIELDS(TH_DECLARE_FIELD) } th_pack_params;

/* DEPTH_TO_SPACE, SPACE_TO_DEPTH (NHWC): block_size x block_size pixels of
 * the spatial tensor <-> block_size^2 channel groups of the deep one. */
#define TH_PARAMS_BLOCK_FIELDS(F)                   \
    F(int32_t, block_size)

typedef struct { TH_PARAMS_BLOCK_FIELDS(TH_DECLARE_FIELD) } th_block_params;

/* RESIZE_NEAREST_NEIGHBOR (NHWC): the input row of each output row and the
 * input column of each output column, int32 arrays of output_height and
 * output_width entries the compiler computed with TFLM's float GetNearestNeighbor. */
#define TH_PARAMS_RESIZE_NEAREST_FIELDS(F)          \
    F(int32_t, output_height)                       \
    F(int32_t, output_width)                        \
    F(uint32_t, rows_offset)                        \
    F(uint32_t, cols_offset)

typedef struct { TH_PARAMS_RESIZE_NEAREST_FIELDS(TH_DECLARE_FIELD) } th_resize_nearest_params;

/* RESIZE_BILINEAR (NHWC), TFLM's ResizeBilinearInteger: 10-bit fixed-point
 * source coordinates from the input and output sizes; flags are 0 or 1, not both. */
#define TH_PARAMS_RESIZE_BILINEAR_FIELDS(F)         \
    F(int32_t, align_corners)                       \
    F(int32_t, half_pixel_centers)

typedef struct { TH_PARAMS_RESIZE_BILINEAR_FIELDS(TH_DECLARE_FIELD) } th_resize_bilinear_params;
/* Data-movement ops copy elements of 1, 2 or 4 bytes (int8, int16, int32).
 * Per-dimension fields are indexed by the input's dims (0 = outermost);
 * fields past its rank hold the neutral value (0 padding, begin 0, step 1,
 * count 1, perm d). */

/* PAD, PADV2: the input placed at offset `before` in an output filled with
 * pad_value (an element of the tensors' dtype). */
#define TH_PARAMS_PAD_FIELDS(F)                     \
    F(int32_t, pad_value)                           \
    F(int32_t, before0) F(int32_t, before1) F(int32_t, before2) \
    F(int32_t, before3) F(int32_t, before4) F(int32_t, before5) \
    F(int32_t, after0) F(int32_t, after1) F(int32_t, after2)    \
    F(int32_t, after3) F(int32_t, after4) F(int32_t, after5)

/* CONCATENATION: the inputs one after the other along `axis` (in [0, rank)). */
#define TH_PARAMS_CONCATENATION_FIELDS(F)           \
    F(int32_t, axis)

/* STRIDED_SLICE, SLICE: count[d] elements from begin[d] in steps of step[d]
 * (step may be negative) along every input dim d, in row-major order. */
#define TH_PARAMS_SLICE_FIELDS(F)                   \
    F(int32_t, begin0) F(int32_t, begin1) F(int32_t, begin2) \
    F(int32_t, begin3) F(int32_t, begin4) F(int32_t, begin5) \
    F(int32_t, step0) F(int32_t, step1) F(int32_t, step2)    \
    F(int32_t, step3) F(int32_t, step4) F(int32_t, step5)    \
    F(int32_t, count0) F(int32_t, count1) F(int32_t, count2) \
    F(int32_t, count3) F(int32_t, count4) F(int32_t, count5)

/* TRANSPOSE: output dim d is input dim perm[d]. */
#define TH_PARAMS_TRANSPOSE_FIELDS(F)               \
    F(int32_t, perm0) F(int32_t, perm1) F(int32_t, perm2) \
    F(int32_t, perm3) F(int32_t, perm4) F(int32_t, perm5)

/* GATHER: indices (int32, in the constant region, each in [0, input dim
 * `axis`)) are [batch][coords], batch = the product of the first batch_dims
 * input dims. */
#define TH_PARAMS_GATHER_FIELDS(F)                  \
    F(int32_t, axis)                                \
    F(int32_t, batch_dims)                          \
    F(int32_t, coords)                              \
    F(int32_t, indices_count)                       \
    F(uint32_t, indices_offset)

typedef struct { TH_PARAMS_PAD_FIELDS(TH_DECLARE_FIELD) } th_pad_params;
typedef struct { TH_PARAMS_CONCATENATION_FIELDS(TH_DECLARE_FIELD) } th_concatenation_params;
typedef struct { TH_PARAMS_SLICE_FIELDS(TH_DECLARE_FIELD) } th_slice_params;
typedef struct { TH_PARAMS_TRANSPOSE_FIELDS(TH_DECLARE_FIELD) } th_transpose_params;
typedef struct { TH_PARAMS_GATHER_FIELDS(TH_DECLARE_FIELD) } th_gather_params;

/* UNIDIRECTIONAL_SEQUENCE_LSTM, 8x8->16: TFLM's integer LSTM (lstm_eval.h EvalLstm
 * <int8, int8, int16, int32>).  Per gate (input, forget, cell, output) two FCs
 * into int16 Q3.12: the input one (bias, -input zero point) and the recurrent one
 * (no bias, -hidden zero point), each with its multiplier/shift; their saturated
 * sum goes through the int16 LUT sigmoid (the cell gate's through the LUT tanh).
 * cell = clip(forget * cell (forget_cell
 * multiplier) + input * cell gate (input_cell multiplier)); hidden = tanh(cell)
 * (input scaled by cell_tanh_multiplier >> cell_tanh_shift) * output gate, requantized
 * by the hidden multiplier to int8 at hidden_zero_point.  The int16 cell and int8
 * hidden state live in the op's scratch and start every inference from TFLM's
 * reset state (cell 0, hidden at its zero point). */
#define TH_PARAMS_UNIDIRECTIONAL_SEQUENCE_LSTM_FIELDS(F)                                   \
    F(int32_t, time_major)          /* 1: input [time][batch][in], else [batch][time][in] */ \
    F(int32_t, input_zero_point)                                                            \
    F(int32_t, hidden_zero_point)                                                           \
    F(int32_t, input_gate_input_multiplier) F(int32_t, input_gate_input_shift)              \
    F(int32_t, input_gate_recurrent_multiplier) F(int32_t, input_gate_recurrent_shift)      \
    F(int32_t, forget_gate_input_multiplier) F(int32_t, forget_gate_input_shift)            \
    F(int32_t, forget_gate_recurrent_multiplier) F(int32_t, forget_gate_recurrent_shift)    \
    F(int32_t, cell_gate_input_multiplier) F(int32_t, cell_gate_input_shift)                \
    F(int32_t, cell_gate_recurrent_multiplier) F(int32_t, cell_gate_recurrent_shift)        \
    F(int32_t, output_gate_input_multiplier) F(int32_t, output_gate_input_shift)            \
    F(int32_t, output_gate_recurrent_multiplier) F(int32_t, output_gate_recurrent_shift)    \
    F(int32_t, forget_cell_multiplier) F(int32_t, forget_cell_shift)                        \
    F(int32_t, input_cell_multiplier) F(int32_t, input_cell_shift)                          \
    F(int32_t, hidden_multiplier) F(int32_t, hidden_shift)                                  \
    F(int32_t, cell_tanh_multiplier) F(int32_t, cell_tanh_shift)                            \
    F(int32_t, use_cell_clip) F(int32_t, cell_clip) /* cell clamped to [-cell_clip, cell_clip] */

typedef struct { TH_PARAMS_UNIDIRECTIONAL_SEQUENCE_LSTM_FIELDS(TH_DECLARE_FIELD) } th_lstm_params;
typedef struct { TH_PARAMS_HARD_SWISH_FIELDS(TH_DECLARE_FIELD) } th_hard_swish_params;
typedef struct { TH_PARAMS_LOGISTIC_FIELDS(TH_DECLARE_FIELD) } th_logistic_params;
/* TANH: same fields as LOGISTIC (Q4.27 input); output scale 1/128, zero point 0. */
typedef th_logistic_params th_tanh_params;
typedef struct { TH_PARAMS_CONV_FIELDS(TH_DECLARE_FIELD) } th_conv_params;
typedef struct { TH_PARAMS_RELU_FIELDS(TH_DECLARE_FIELD) } th_relu_params;
typedef struct { TH_PARAMS_RELU6_FIELDS(TH_DECLARE_FIELD) } th_relu6_params;
typedef struct { TH_PARAMS_LEAKY_RELU_FIELDS(TH_DECLARE_FIELD) } th_leaky_relu_params;
typedef struct { TH_PARAMS_QUANT_REF_FIELDS(TH_DECLARE_FIELD) } th_quant_ref;
typedef struct { TH_PARAMS_FC_FIELDS(TH_DECLARE_FIELD) } th_fc_params;
typedef struct { TH_PARAMS_POOL_FIELDS(TH_DECLARE_FIELD) } th_pool_params;
typedef struct { TH_PARAMS_MEAN_FIELDS(TH_DECLARE_FIELD) } th_mean_params;
typedef struct { TH_PARAMS_REDUCE_FIELDS(TH_DECLARE_FIELD) } th_reduce_params;
typedef struct { TH_PARAMS_ARG_FIELDS(TH_DECLARE_FIELD) } th_arg_params;
typedef struct { TH_PARAMS_SOFTMAX_FIELDS(TH_DECLARE_FIELD) } th_softmax_params;
typedef struct { TH_PARAMS_ADD_FIELDS(TH_DECLARE_FIELD) } th_add_params;
/* SUB: quantized as ADD (TFLM's CalculateOpDataSub); the second input is subtracted. */
typedef th_add_params th_sub_params;
typedef struct { TH_PARAMS_MUL_FIELDS(TH_DECLARE_FIELD) } th_mul_params;
/* SQUARED_DIFFERENCE: ADD's fields (TFLM's ArithmeticParams): left shift 7,
 * the rescaled difference squared and requantized with a multiplier whose
 * shift may be > 0; act_min/act_max are the int8 range (no fused activation). */
typedef th_add_params th_squared_difference_params;
typedef struct { TH_PARAMS_PRELU_FIELDS(TH_DECLARE_FIELD) } th_prelu_params;

/* What each op stores at params_offset, in order (hil/compiler/plan_format.py reads this):
 * OP_PARAMS(op, struct list...) */
#define TH_OP_PARAMS_LAYOUT(X)                                                     \
    X(CONV_2D, TH_PARAMS_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)                  \
    X(DEPTHWISE_CONV_2D, TH_PARAMS_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)        \
    X(FULLY_CONNECTED, TH_PARAMS_FC_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)            \
    X(AVERAGE_POOL_2D, TH_PARAMS_POOL_FIELDS)                                      \
    X(MAX_POOL_2D, TH_PARAMS_POOL_FIELDS)                                          \
    X(MEAN, TH_PARAMS_MEAN_FIELDS)                                                 \
    X(SOFTMAX, TH_PARAMS_SOFTMAX_FIELDS)                                           \
    X(ADD, TH_PARAMS_ADD_FIELDS)                                                   \
    X(RELU, TH_PARAMS_RELU_FIELDS)                                                 \
    X(RELU6, TH_PARAMS_RELU6_FIELDS)                                               \
    X(LEAKY_RELU, TH_PARAMS_LEAKY_RELU_FIELDS)                                     \
    X(HARD_SWISH, TH_PARAMS_HARD_SWISH_FIELDS)                                     \
    X(LOGISTIC, TH_PARAMS_LOGISTIC_FIELDS)                                         \
    X(TANH, TH_PARAMS_LOGISTIC_FIELDS)                                             \
    X(QUANTIZE, TH_PARAMS_QUANTIZE_FIELDS)                                         \
    X(DEQUANTIZE, TH_PARAMS_DEQUANTIZE_FIELDS)                                     \
    X(TRANSPOSE_CONV, TH_PARAMS_TRANSPOSE_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS) \
    X(BATCH_MATMUL, TH_PARAMS_BATCH_MATMUL_FIELDS)                                 \
    X(SUB, TH_PARAMS_ADD_FIELDS)                                                   \
    X(MUL, TH_PARAMS_MUL_FIELDS)                                                   \
    X(SQUARED_DIFFERENCE, TH_PARAMS_ADD_FIELDS)                                    \
    X(PRELU, TH_PARAMS_PRELU_FIELDS)                                               \
    X(SPLIT, TH_PARAMS_SPLIT_FIELDS)                                               \
    X(SPLIT_V, TH_PARAMS_SPLIT_FIELDS)                                             \
    X(PACK, TH_PARAMS_PACK_FIELDS)                                                 \
    X(UNPACK, TH_PARAMS_PACK_FIELDS)                                               \
    X(DEPTH_TO_SPACE, TH_PARAMS_BLOCK_FIELDS)                                      \
    X(SPACE_TO_DEPTH, TH_PARAMS_BLOCK_FIELDS)                                      \
    X(RESIZE_NEAREST_NEIGHBOR, TH_PARAMS_RESIZE_NEAREST_FIELDS)                    \
    X(RESIZE_BILINEAR, TH_PARAMS_RESIZE_BILINEAR_FIELDS)                           \
    X(PAD, TH_PARAMS_PAD_FIELDS)                                                   \
    X(PADV2, TH_PARAMS_PAD_FIELDS)                                                 \
    X(CONCATENATION, TH_PARAMS_CONCATENATION_FIELDS)                               \
    X(STRIDED_SLICE, TH_PARAMS_SLICE_FIELDS)                                       \
    X(SLICE, TH_PARAMS_SLICE_FIELDS)                                               \
    X(TRANSPOSE, TH_PARAMS_TRANSPOSE_FIELDS)                                       \
    X(GATHER, TH_PARAMS_GATHER_FIELDS)                                             \
    X(SUM, TH_PARAMS_MEAN_FIELDS)                                                  \
    X(REDUCE_MAX, TH_PARAMS_REDUCE_FIELDS)                                         \
    X(REDUCE_MIN, TH_PARAMS_REDUCE_FIELDS)                                         \
    X(ARG_MAX, TH_PARAMS_ARG_FIELDS)                                               \
    X(ARG_MIN, TH_PARAMS_ARG_FIELDS)                                               \
    X(UNIDIRECTIONAL_SEQUENCE_LSTM, TH_PARAMS_UNIDIRECTIONAL_SEQUENCE_LSTM_FIELDS)

#endif
