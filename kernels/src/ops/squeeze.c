/* SQUEEZE and EXPAND_DIMS: like RESHAPE, the output is the input's bytes under
 * a shape with dims of 1 removed or inserted (TFLM copies the bytes; the
 * compiler places the output on the input's bytes, so eval has nothing to do
 * and copies only when the plan gives them separate storage).  EXPAND_DIMS's
 * axis input is folded into the output shape by the compiler. */
#include <string.h>

#include "../th_op.h"

/* The dims other than 1 of both tensors, in order, are the same. */
static int same_dims_but_ones(const th_tensor *a, const th_tensor *b)
{
    uint32_t i = 0, j = 0;
    for (;;) {
        while (i < a->rank && a->dims[i] == 1) {
            ++i;
        }
        while (j < b->rank && b->dims[j] == 1) {
            ++j;
        }
        if (i == a->rank || j == b->rank) {
            return i == a->rank && j == b->rank;
        }
        if (a->dims[i++] != b->dims[j++]) {
            return 0;
        }
    }
}

static th_status validate_common(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    if (input == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (ctx->record.params_bytes != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_SIZE, 0, ctx->record.params_bytes);
    }
    if (output->dtype != input->dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, input->dtype,
                          output->dtype);
    }
    if (output->bytes != input->bytes || !same_dims_but_ones(input, output)) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES, input->bytes, output->bytes);
    }
    return TH_OK;
}

static th_status validate_squeeze(const th_op_ctx *ctx, th_error *err)
{
    th_status status = validate_common(ctx, err);
    if (status == TH_OK && ctx->output->rank > ctx->inputs[0]->rank) {
        status = th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, ctx->inputs[0]->rank,
                            ctx->output->rank);
    }
    return status;
}

static th_status validate_expand_dims(const th_op_ctx *ctx, th_error *err)
{
    th_status status = validate_common(ctx, err);
    if (status == TH_OK && ctx->output->rank != ctx->inputs[0]->rank + 1) {
        status = th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, ctx->inputs[0]->rank + 1,
                            ctx->output->rank);
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    void *out = ctx->output->data;
    const void *in = ctx->inputs[0]->data;
    if (out != in) {
        memmove(out, in, ctx->output->bytes);
    }
}

const th_op_kernel TH_OP_KERNEL(SQUEEZE) = {1, 1, 1, 1, validate_squeeze, eval, NULL};
const th_op_kernel TH_OP_KERNEL(EXPAND_DIMS) = {1, 1, 1, 1, validate_expand_dims, eval, NULL};
