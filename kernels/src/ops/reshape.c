/* RESHAPE: the output has the input's bytes under the output tensor's shape.
 * The compiler normally places the output on the input's bytes, so eval has
 * nothing to do; it copies only when the plan gives them separate storage.
 * The optional second input (TFLite's shape tensor) is accepted and ignored. */
#include <string.h>

#include "th_op.h"

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    if (ctx->record.params_bytes != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_SIZE, 0, ctx->record.params_bytes);
    }
    if (output->dtype != input->dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, input->dtype,
                          output->dtype);
    }
    /* Same dtype and byte count: same element count. */
    if (output->bytes != input->bytes) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES, input->bytes, output->bytes);
    }
    return TH_OK;
}

static void eval(const th_op_ctx *ctx)
{
    void *out = ctx->output->data;
    const void *in = ctx->inputs[0]->data;
    if (out != in) {
        memmove(out, in, ctx->output->bytes); /* the plan may overlap them partly */
    }
}

const th_op_kernel TH_OP_KERNEL(RESHAPE) = {1, 2, 1, 1, validate, eval, NULL};
