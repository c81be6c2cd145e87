/* CONCATENATION, as TFLM's reference Concatenation (concatenation.cc): the
 * inputs' bytes one after the other along the axis, no requantization (TFLM
 * copies int8 bytes as they are and refuses inputs whose scale or zero point
 * differ from the output's; the compiler does the same).  Any element size. */
#include <string.h>

#include "movement.h"

void th_concatenation(uint32_t num_inputs, const void *const *inputs, const uint32_t *row_bytes,
                      int32_t outer, void *output)
{
    uint8_t *out = (uint8_t *)output;
    for (int32_t o = 0; o < outer; ++o) {
        for (uint32_t k = 0; k < num_inputs; ++k) {
            memmove(out, (const uint8_t *)inputs[k] + (size_t)o * row_bytes[k], row_bytes[k]);
            out += row_bytes[k];
        }
    }
}

/* --- glue --- */

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_concatenation_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    const th_tensor *out = ctx->output;
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, axis, 0, (int32_t)out->rank - 1, err);
    }
    int32_t axis_total = 0;
    for (uint32_t k = 0; k < ctx->num_inputs && status == TH_OK; ++k) {
        status = th_move_check_dtypes(ctx, k, err);
        if (status != TH_OK) {
            break;
        }
        const th_tensor *in = ctx->inputs[k];
        if (in->rank != out->rank) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[k], TH_FIELD_RANK, out->rank, in->rank);
        }
        for (int32_t d = 0; d < (int32_t)out->rank; ++d) {
            if (d != p.axis && in->dims[d] != out->dims[d]) {
                return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[k], TH_FIELD_DIM, out->dims[d],
                                  in->dims[d]);
            }
        }
        axis_total += in->dims[p.axis]; /* each <= 2^24, at most 24 of them */
    }
    if (status == TH_OK) {
        status = th_move_check_out_dim(ctx, out->dims[p.axis], axis_total, err);
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    th_concatenation_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *out = ctx->output;
    const uint32_t elem = th_move_elem_size(out->dtype);
    const void *inputs[TH_MAX_OP_INPUTS];
    uint32_t row_bytes[TH_MAX_OP_INPUTS];
    int32_t outer = 1;
    for (int32_t d = 0; d < p.axis; ++d) {
        outer *= out->dims[d];
    }
    for (uint32_t k = 0; k < ctx->num_inputs; ++k) {
        const th_tensor *in = ctx->inputs[k];
        uint32_t row = elem;
        for (uint32_t d = (uint32_t)p.axis; d < in->rank; ++d) {
            row *= (uint32_t)in->dims[d];
        }
        inputs[k] = in->data;
        row_bytes[k] = row;
    }
    th_concatenation(ctx->num_inputs, inputs, row_bytes, outer, out->data);
}

const th_op_kernel TH_OP_KERNEL(CONCATENATION) = {1, TH_MAX_OP_INPUTS, 1, 1, validate, eval, NULL};
