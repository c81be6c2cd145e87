/* The binary plan: the one description of the layout shared by the C runtime
 * and the Python compiler (hil/compiler/plan_format.py parses the X-macro lists here).
 *
 * A plan is little-endian, 4-byte aligned, and laid out as
 *   header | tensor records | op records | io list | operand list | constant region
 * The io list holds the graph's input then output tensor indices (uint16);
 * the operand list holds every op's input then output tensor indices (uint16),
 * each op's run starting at its record's first_operand.
 * Every offset below is relative to the start of the plan, except tensor and
 * params offsets into the constant region, which are relative to its start.
 * The CRC (IEEE 802.3, reflected, as zlib.crc32) covers bytes [16, total_size).
 */
#ifndef TH_PLAN_FORMAT_H
#define TH_PLAN_FORMAT_H
#include <stdint.h>

#define TH_PLAN_MAGIC 0x4C504854u /* "THPL" */
#define TH_PLAN_VERSION_MAJOR 2
#define TH_PLAN_VERSION_MINOR 0
#define TH_PLAN_ALIGN 16          /* constant data and arena offsets */
#define TH_MAX_RANK 6
#define TH_MAX_OP_INPUTS 24       /* UNIDIRECTIONAL_SEQUENCE_LSTM has 24 */
#define TH_MAX_OP_OUTPUTS 16
#define TH_NO_TENSOR 0xFFFFu

/* X(name, id): op types.  Names and ids are TFLite's builtin operator names
 * and codes (schema.fbs BuiltinOperator), so a plan speaks TFLite's vocabulary.
 * Which of them a build links is its op set (op_table.c). */
#define TH_OP_LIST(X)              \
    X(ADD, 0)                      \
    X(AVERAGE_POOL_2D, 1)          \
    X(CONV_2D, 3)                  \
    X(DEPTHWISE_CONV_2D, 4)        \
    X(DEQUANTIZE, 6)               \
    X(FULLY_CONNECTED, 9)          \
    X(LOGISTIC, 14)                \
    X(MAX_POOL_2D, 17)             \
    X(RELU, 19)                    \
    X(RELU6, 21)                   \
    X(RESHAPE, 22)                 \
    X(SOFTMAX, 25)                 \
    X(TANH, 28)                    \
    X(MEAN, 40)                    \
    X(TRANSPOSE_CONV, 67)          \
    X(LEAKY_RELU, 98)              \
    X(QUANTIZE, 114)               \
    X(HARD_SWISH, 117)             \
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
    F(uint32_t, reserved2)        \
    F(uint32_t, reserved3)

#define TH_TENSOR_RECORD_FIELDS(F) \
    F(uint8_t, dtype)              \
    F(uint8_t, rank)               \
    F(uint8_t, storage)            \
    F(uint8_t, reserved)           \
    F(int32_t, dim0)               \
    F(int32_t, dim1)               \
    F(int32_t, dim2)               \
    F(int32_t, dim3)               \
    F(int32_t, dim4)               \
    F(int32_t, dim5)               \
    F(uint32_t, offset)            \
    F(uint32_t, bytes)             \
    F(int32_t, zero_point)

/* The op's operands are operand-list entries [first_operand, first_operand +
 * num_inputs + num_outputs): inputs (tensor indices or TH_NO_TENSOR, e.g. a
 * missing bias), then outputs. */
#define TH_OP_RECORD_FIELDS(F)  \
    F(uint16_t, op_type)        \
    F(uint8_t, num_inputs)      \
    F(uint8_t, num_outputs)     \
    F(uint32_t, first_operand)  \
    F(uint32_t, params_offset)  \
    F(uint32_t, params_bytes)   \
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

/* Output requantization, per tensor (count 1) or per output channel. */
#define TH_PARAMS_QUANT_REF_FIELDS(F) \
    F(int32_t, quant_count)           \
    F(uint32_t, multipliers_offset)   \
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

/* MEAN over H and W: out = sum(in - input_zero_point) * multiplier * 2^shift
 * + output_zero_point, where multiplier/shift already fold in both the scale
 * ratio and 1/(H*W) exactly as TFLM's QuantizedMeanOrSum does. */
#define TH_PARAMS_MEAN_FIELDS(F)                    \
    F(int32_t, input_zero_point)                    \
    F(int32_t, output_zero_point)                   \
    F(int32_t, multiplier) F(int32_t, shift)

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
 * the output is fixed at scale 1/256, zero point -128. */
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
typedef struct { TH_PARAMS_SOFTMAX_FIELDS(TH_DECLARE_FIELD) } th_softmax_params;
typedef struct { TH_PARAMS_ADD_FIELDS(TH_DECLARE_FIELD) } th_add_params;

/* What each op stores at params_offset, in order (hil/compiler/plan_format.py reads this):
 * OP_PARAMS(op, struct list...) */
#define TH_OP_PARAMS_LAYOUT(X)                                                      \
    X(CONV_2D, TH_PARAMS_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)                   \
    X(DEPTHWISE_CONV_2D, TH_PARAMS_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)         \
    X(FULLY_CONNECTED, TH_PARAMS_FC_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)             \
    X(AVERAGE_POOL_2D, TH_PARAMS_POOL_FIELDS)                                       \
    X(MAX_POOL_2D, TH_PARAMS_POOL_FIELDS)                                           \
    X(MEAN, TH_PARAMS_MEAN_FIELDS)                                                  \
    X(SOFTMAX, TH_PARAMS_SOFTMAX_FIELDS)                                            \
    X(ADD, TH_PARAMS_ADD_FIELDS)                                                    \
    X(RELU, TH_PARAMS_RELU_FIELDS)                                                  \
    X(RELU6, TH_PARAMS_RELU6_FIELDS)                                                \
    X(LEAKY_RELU, TH_PARAMS_LEAKY_RELU_FIELDS)                                      \
    X(HARD_SWISH, TH_PARAMS_HARD_SWISH_FIELDS)                                      \
    X(LOGISTIC, TH_PARAMS_LOGISTIC_FIELDS)                                          \
    X(TANH, TH_PARAMS_LOGISTIC_FIELDS)                                              \
    X(QUANTIZE, TH_PARAMS_QUANTIZE_FIELDS)                                          \
    X(DEQUANTIZE, TH_PARAMS_DEQUANTIZE_FIELDS)                                      \
    X(TRANSPOSE_CONV, TH_PARAMS_TRANSPOSE_CONV_FIELDS, TH_PARAMS_QUANT_REF_FIELDS)  \
    X(BATCH_MATMUL, TH_PARAMS_BATCH_MATMUL_FIELDS)

#endif
