/* SPLIT and SPLIT_V, as TFLM's split.cc / split_v.cc: the input is cut along
 * one axis into the outputs in order, each output taking its own extent along
 * that axis.  A pure byte copy (no requantization, as in TFLM), so any element
 * size works: the element size is the tensor's bytes over its elements.
 * SPLIT's axis and SPLIT_V's size_splits/axis tensors are constants the
 * compiler folds into `axis` and the outputs' shapes, so the plan op has the
 * data input only.
 * Copies use memmove: a plan may overlap an input and an output (the compiler
 * never does), which must stay defined behaviour. */
#include <string.h>

#include "../th_op.h"

void th_split(int32_t outer, int32_t num_outputs, const int32_t *chunk_bytes, const uint8_t *input,
              uint8_t *const *outputs)
{
    int32_t k, i;
    for (k = 0; k < outer; ++k) {
        for (i = 0; i < num_outputs; ++i) {
            const size_t chunk = (size_t)chunk_bytes[i];
            memmove(outputs[i] + (size_t)k * chunk, input, chunk);
            input += chunk;
        }
    }
}

/* --- glue --- */

static th_status validate_split(const th_op_ctx *ctx, th_error *err, int equal_parts)
{
    const th_tensor *in = ctx->inputs[0];
    th_split_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    if (in->rank < 1) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 1, in->rank);
    }
    if ((status = TH_CHECK_PARAM(ctx, p, axis, 0, (int32_t)in->rank - 1, err)) != TH_OK) {
        return status;
    }
    int32_t total = 0;
    for (uint32_t o = 0; o < ctx->num_outputs; ++o) {
        const th_tensor *out = ctx->outputs[o];
        const int32_t t = ctx->output_indices[o];
        if (out->dtype != in->dtype) {
            return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, t, TH_FIELD_TYPE, in->dtype, out->dtype);
        }
        if (out->rank != in->rank) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, t, TH_FIELD_RANK, in->rank, out->rank);
        }
        for (uint32_t d = 0; d < in->rank; ++d) {
            const int32_t want = (int32_t)d != p.axis ? in->dims[d]
                               : equal_parts ? ctx->outputs[0]->dims[d] : out->dims[d];
            if (out->dims[d] != want) {
                return th_op_fail(ctx, err, TH_ERR_SHAPE, t, TH_FIELD_DIM, want, out->dims[d]);
            }
        }
        total += out->dims[p.axis]; /* each <= the input's dims bound; at most 16 of them */
    }
    if (total != in->dims[p.axis]) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, total, in->dims[p.axis]);
    }
    return TH_OK;
}

static th_status split_validate(const th_op_ctx *ctx, th_error *err)
{
    return validate_split(ctx, err, 1);
}

static th_status split_v_validate(const th_op_ctx *ctx, th_error *err)
{
    return validate_split(ctx, err, 0);
}

static void eval(const th_op_ctx *ctx)
{
    const th_tensor *in = ctx->inputs[0];
    th_split_params p;
    memcpy(&p, ctx->params, sizeof p);
    const int32_t elem = (int32_t)in->bytes / th_tensor_elements(in);
    int32_t outer = 1, inner = elem;
    for (int32_t d = 0; d < (int32_t)in->rank; ++d) {
        if (d < p.axis) {
            outer *= in->dims[d];
        } else if (d > p.axis) {
            inner *= in->dims[d];
        }
    }
    int32_t chunk_bytes[TH_MAX_OP_OUTPUTS];
    uint8_t *outputs[TH_MAX_OP_OUTPUTS];
    for (uint32_t o = 0; o < ctx->num_outputs; ++o) {
        chunk_bytes[o] = ctx->outputs[o]->dims[p.axis] * inner;
        outputs[o] = (uint8_t *)ctx->outputs[o]->data;
    }
    th_split(outer, (int32_t)ctx->num_outputs, chunk_bytes, (const uint8_t *)in->data, outputs);
}

const th_op_kernel TH_OP_KERNEL(SPLIT) = {1, 1, 1, TH_MAX_OP_OUTPUTS, split_validate, eval, NULL};
const th_op_kernel TH_OP_KERNEL(SPLIT_V) = {1, 1, 1, TH_MAX_OP_OUTPUTS, split_v_validate, eval, NULL};
