/* MEAN over the spatial axes (H, W) of an NHWC int8 or int16 tensor: byte-exact
 * with TFLM's integer MEAN (reference_ops::QuantizedMeanOrSum, compute_sum false).
 *
 * TFLM sums the raw int8 values per (batch, channel), subtracts
 * input_zero_point * count, and requantizes once with a multiplier that folds
 * input_scale / output_scale and 1 / count; the compiler folds the two in
 * advance (hil/compiler/ops/mean.py), so eval is one requantization per output.
 * The output is [n][c], whether the model keeps the reduced dims or not. */
#include <string.h>

#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"

/* |sum - zero_point * count| <= 256 * count must fit in int32. */
#define TH_MEAN_MAX_COUNT (1 << 22)

/* |sum - zero_point * count| <= 65536 * count must fit in int32 for int16. */
#define TH_MEAN_MAX_COUNT_S16 (1 << 15)

/* The kernel for one element type (int8 and int16 are the same loop). */
#define TH_MEAN_KERNEL(name, type, type_min, type_max)                                                         \
    void name(const th_mean_params *p, const th_dims *input_dims, const type *input, type *output)           \
    {                                                                                                          \
        const int32_t count = input_dims->h * input_dims->w;                                                   \
        const int32_t depth = input_dims->c;                                                                   \
        for (int32_t b = 0; b < input_dims->n; ++b) {                                                          \
            const type *image = input + b * count * depth;                                                     \
            for (int32_t c = 0; c < depth; ++c) {                                                              \
                int32_t sum = 0;                                                                               \
                for (int32_t i = 0; i < count; ++i) {                                                          \
                    sum += image[i * depth + c];                                                               \
                }                                                                                              \
                const int32_t centered = sum - p->input_zero_point * count;                                    \
                const int32_t scaled = th_multiply_by_quantized_multiplier(centered, p->multiplier, p->shift); \
                /* Wrapping add: defined for any multiplier, equal to TFLM's where TFLM is defined. */        \
                output[b * depth + c] =                                                                        \
                    (type)th_clamp(th_add_wrap(scaled, p->output_zero_point), type_min, type_max);             \
            }                                                                                                  \
        }                                                                                                      \
    }

TH_MEAN_KERNEL(th_mean_hw_s8, int8_t, INT8_MIN, INT8_MAX)
TH_MEAN_KERNEL(th_mean_hw_s16, int16_t, INT16_MIN, INT16_MAX)

static th_status check_dtype(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype, th_error *err)
{
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    return TH_OK;
}

/* A params zero point must be a value of the tensors' type and agree with its tensor record. */
static th_status check_zero_point(const th_op_ctx *ctx, int32_t value, const th_tensor *t, int32_t index,
                                  th_error *err)
{
    const int s16 = t->dtype == TH_DTYPE_INT16;
    th_status status = th_op_check_range(ctx, value, s16 ? INT16_MIN : INT8_MIN, s16 ? INT16_MAX : INT8_MAX, err);
    if (status == TH_OK && value != t->zero_point) {
        status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, index, TH_FIELD_PARAM, t->zero_point, value);
    }
    return status;
}

/* The output holds one value per (batch, channel): [n, 1, 1, c] or [n, c]. */
static th_status check_output_shape(const th_op_ctx *ctx, const th_dims *in, th_error *err)
{
    const th_tensor *output = ctx->output;
    int32_t expected[TH_MAX_RANK];
    if (output->rank == 4) {
        expected[0] = in->n;
        expected[1] = 1;
        expected[2] = 1;
        expected[3] = in->c;
    } else if (output->rank == 2) {
        expected[0] = in->n;
        expected[1] = in->c;
    } else {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, 4, output->rank);
    }
    for (uint32_t d = 0; d < output->rank; ++d) {
        if (output->dims[d] != expected[d]) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected[d],
                              output->dims[d]);
        }
    }
    return TH_OK;
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_mean_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *input = ctx->inputs[0];
    /* int8, or int16 in and out. */
    const uint8_t dtype = input->dtype == TH_DTYPE_INT16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8;
    if ((status = check_dtype(ctx, input, ctx->input_index[0], dtype, err)) != TH_OK ||
        (status = check_dtype(ctx, ctx->output, ctx->output_index, dtype, err)) != TH_OK) {
        return status;
    }
    if (input->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 4, input->rank);
    }
    const th_dims in = th_tensor_dims(input);
    const int64_t count = (int64_t)in.h * in.w;
    const int64_t max_count = dtype == TH_DTYPE_INT16 ? TH_MEAN_MAX_COUNT_S16 : TH_MEAN_MAX_COUNT;
    if (count > max_count) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, max_count, count);
    }
    if ((status = check_output_shape(ctx, &in, err)) != TH_OK ||
        (status = check_zero_point(ctx, p.input_zero_point, input, ctx->input_index[0], err)) != TH_OK ||
        (status = check_zero_point(ctx, p.output_zero_point, ctx->output, ctx->output_index, err)) != TH_OK ||
        (status = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err)) != TH_OK) {
        return status;
    }
    return TH_CHECK_PARAM(ctx, p, shift, -31, 30, err);
}

static void eval(const th_op_ctx *ctx)
{
    th_mean_params p;
    memcpy(&p, ctx->params, sizeof(p)); /* size checked by validate */
    const th_dims in = th_tensor_dims(ctx->inputs[0]);
    if (ctx->inputs[0]->dtype == TH_DTYPE_INT16) {
        th_mean_hw_s16(&p, &in, (const int16_t *)ctx->inputs[0]->data, (int16_t *)ctx->output->data);
        return;
    }
    th_mean_hw_s8(&p, &in, (const int8_t *)ctx->inputs[0]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(MEAN) = {1, 1, 1, 1, validate, eval, NULL};
