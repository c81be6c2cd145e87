/* PACK and UNPACK, as TFLM's pack.cc / unpack.cc: N tensors of one shape
 * stacked along a new axis of the (rank + 1) tensor, and the reverse.  Pure
 * byte copies (no requantization, as in TFLM), so any element size works.
 * Copies use memmove: a plan may overlap an input and an output (the compiler
 * never does), which must stay defined behaviour. */
#include <string.h>

#include "../th_op.h"

void th_pack(int32_t outer, int32_t count, int32_t chunk_bytes, const uint8_t *const *inputs, uint8_t *output)
{
    int32_t k, i;
    const size_t chunk = (size_t)chunk_bytes;
    for (k = 0; k < outer; ++k) {
        for (i = 0; i < count; ++i) {
            memmove(output, inputs[i] + (size_t)k * chunk, chunk);
            output += chunk;
        }
    }
}

void th_unpack(int32_t outer, int32_t count, int32_t chunk_bytes, const uint8_t *input, uint8_t *const *outputs)
{
    int32_t k, i;
    const size_t chunk = (size_t)chunk_bytes;
    for (k = 0; k < outer; ++k) {
        for (i = 0; i < count; ++i) {
            memmove(outputs[i] + (size_t)k * chunk, input, chunk);
            input += chunk;
        }
    }
}

/* --- glue --- */

/* `stacked` has one more dim than each piece: its dims are the piece's with
 * `count` inserted at p.axis. */
static th_status check_pieces(const th_op_ctx *ctx, th_error *err, const th_tensor *stacked, int32_t stacked_index,
                              const th_tensor *const *pieces, const int32_t *piece_indices, uint32_t count)
{
    th_pack_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    if (stacked->rank < 2) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, stacked_index, TH_FIELD_RANK, 2, stacked->rank);
    }
    if ((status = TH_CHECK_PARAM(ctx, p, axis, 0, (int32_t)stacked->rank - 1, err)) != TH_OK) {
        return status;
    }
    if (stacked->dims[p.axis] != (int32_t)count) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, stacked_index, TH_FIELD_DIM, count, stacked->dims[p.axis]);
    }
    for (uint32_t i = 0; i < count; ++i) {
        const th_tensor *t = pieces[i];
        if (t == NULL) {
            return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, i, TH_NO_TENSOR);
        }
        if (t->dtype != stacked->dtype) {
            return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, piece_indices[i], TH_FIELD_TYPE, stacked->dtype, t->dtype);
        }
        if (t->rank + 1u != stacked->rank) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, piece_indices[i], TH_FIELD_RANK, stacked->rank - 1, t->rank);
        }
        for (uint32_t d = 0; d < t->rank; ++d) {
            const int32_t want = stacked->dims[(int32_t)d < p.axis ? d : d + 1];
            if (t->dims[d] != want) {
                return th_op_fail(ctx, err, TH_ERR_SHAPE, piece_indices[i], TH_FIELD_DIM, want, t->dims[d]);
            }
        }
    }
    return TH_OK;
}

static th_status pack_validate(const th_op_ctx *ctx, th_error *err)
{
    return check_pieces(ctx, err, ctx->output, ctx->output_index, ctx->inputs, ctx->input_index, ctx->num_inputs);
}

static th_status unpack_validate(const th_op_ctx *ctx, th_error *err)
{
    return check_pieces(ctx, err, ctx->inputs[0], ctx->input_index[0], ctx->outputs, ctx->output_indices,
                        ctx->num_outputs);
}

/* outer: the stacked tensor's elements before the axis; chunk: one piece's bytes after it. */
static void layout(const th_op_ctx *ctx, const th_tensor *stacked, int32_t *outer, int32_t *chunk)
{
    th_pack_params p;
    memcpy(&p, ctx->params, sizeof p);
    *outer = 1;
    *chunk = (int32_t)stacked->bytes / th_tensor_elements(stacked);
    for (int32_t d = 0; d < (int32_t)stacked->rank; ++d) {
        if (d < p.axis) {
            *outer *= stacked->dims[d];
        } else if (d > p.axis) {
            *chunk *= stacked->dims[d];
        }
    }
}

static void pack_eval(const th_op_ctx *ctx)
{
    int32_t outer, chunk;
    const uint8_t *inputs[TH_MAX_OP_INPUTS];
    layout(ctx, ctx->output, &outer, &chunk);
    for (uint32_t i = 0; i < ctx->num_inputs; ++i) {
        inputs[i] = (const uint8_t *)ctx->inputs[i]->data;
    }
    th_pack(outer, ctx->num_inputs, chunk, inputs, (uint8_t *)ctx->output->data);
}

static void unpack_eval(const th_op_ctx *ctx)
{
    int32_t outer, chunk;
    uint8_t *outputs[TH_MAX_OP_OUTPUTS];
    layout(ctx, ctx->inputs[0], &outer, &chunk);
    for (uint32_t o = 0; o < ctx->num_outputs; ++o) {
        outputs[o] = (uint8_t *)ctx->outputs[o]->data;
    }
    th_unpack(outer, ctx->num_outputs, chunk, (const uint8_t *)ctx->inputs[0]->data, outputs);
}

const th_op_kernel TH_OP_KERNEL(PACK) = {1, TH_MAX_OP_INPUTS, 1, 1, pack_validate, pack_eval, NULL};
const th_op_kernel TH_OP_KERNEL(UNPACK) = {1, 1, 1, TH_MAX_OP_OUTPUTS, unpack_validate, unpack_eval, NULL};
