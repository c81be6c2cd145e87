/* ARG_MAX and ARG_MIN of an int8 tensor along one axis, int32 indices:
 * byte-exact with TFLM's reference ArgMinMax (std::greater / std::less: a
 * later value replaces the best only when strictly better, so ties give the
 * first index).  TFLM supports only an int32 output; so does the engine. */
#include <string.h>

#include "th_op.h"

void th_arg_max_s8(int32_t outer, int32_t axis_size, int32_t inner, int8_t flip, const int8_t *input,
                   int32_t *output)
{
    for (int32_t b = 0; b < outer; ++b) {
        const int8_t *block = input + b * axis_size * inner;
        for (int32_t c = 0; c < inner; ++c) {
            const int8_t *x = block + c;
            int8_t best = (int8_t)(x[0] ^ flip);
            int32_t best_index = 0;
            for (int32_t i = 1; i < axis_size; ++i) {
                /* ~x reverses int8 order, so the max of x ^ -1 is the min of x. */
                const int8_t v = (int8_t)(x[i * inner] ^ flip);
                if (v > best) {
                    best = v;
                    best_index = i;
                }
            }
            output[b * inner + c] = best_index;
        }
    }
}

/* The input split at the axis: [outer][axis_size][inner]. */
static void split(const th_tensor *t, int32_t axis, int32_t *outer, int32_t *axis_size, int32_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int32_t d = 0; d < axis; ++d) {
        *outer *= t->dims[d];
    }
    for (uint32_t d = (uint32_t)axis + 1u; d < t->rank; ++d) {
        *inner *= t->dims[d];
    }
    *axis_size = t->dims[axis];
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_arg_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    if (input == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (input->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8,
                          input->dtype);
    }
    if (output->dtype != TH_DTYPE_INT32) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT32,
                          output->dtype);
    }
    /* The arena is 4-byte aligned; an int32 output must sit at an offset that keeps it so. */
    if (((uintptr_t)output->data & 3u) != 0u) {
        return th_op_fail(ctx, err, TH_ERR_ALIGNMENT, ctx->output_index, TH_FIELD_ALIGNMENT, 4,
                          (int64_t)((uintptr_t)output->data & 3u));
    }
    if (input->rank == 0) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 1, 0);
    }
    if ((status = TH_CHECK_PARAM(ctx, p, axis, 0, (int32_t)input->rank - 1, err)) != TH_OK) {
        return status;
    }
    /* The output is the input's shape without the axis. */
    if (output->rank + 1u != input->rank) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, (int32_t)input->rank - 1,
                          output->rank);
    }
    uint32_t o = 0;
    for (uint32_t d = 0; d < input->rank; ++d) {
        if ((int32_t)d == p.axis) {
            continue;
        }
        if (output->dims[o] != input->dims[d]) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, input->dims[d],
                              output->dims[o]);
        }
        ++o;
    }
    return TH_OK;
}

static void eval_with(const th_op_ctx *ctx, int8_t flip)
{
    th_arg_params p;
    memcpy(&p, ctx->params, sizeof(p)); /* size checked by validate */
    int32_t outer, axis_size, inner;
    split(ctx->inputs[0], p.axis, &outer, &axis_size, &inner);
    th_arg_max_s8(outer, axis_size, inner, flip, (const int8_t *)ctx->inputs[0]->data, (int32_t *)ctx->output->data);
}

static void eval_max(const th_op_ctx *ctx)
{
    eval_with(ctx, 0);
}

static void eval_min(const th_op_ctx *ctx)
{
    eval_with(ctx, -1);
}

const th_op_kernel TH_OP_KERNEL(ARG_MAX) = {1, 1, 1, 1, validate, eval_max, NULL};
const th_op_kernel TH_OP_KERNEL(ARG_MIN) = {1, 1, 1, 1, validate, eval_min, NULL};
