/* PAD and PADV2, as TFLM's reference Pad (pad.cc): the input placed at offset
 * `before` in each dim of an output filled with the pad value.  The compiler
 * resolves the pad value as TFLM does: PADV2's constant value, or for PAD the
 * output zero point (int8) or 0 (int16, int32).  Any element size. */
#include <string.h>

#include "movement.h"

static void fill(uint8_t *out, const uint8_t *value, uint32_t elem, int32_t count)
{
    for (int32_t k = 0; k < count; ++k) {
        memmove(out + (size_t)k * elem, value, elem);
    }
}

void th_pad(uint32_t elem, const int32_t *in_dims, const void *input, const int32_t *before,
            const int32_t *out_dims, const void *pad_value, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    const uint8_t *value = (const uint8_t *)pad_value;
    uint8_t *out = (uint8_t *)output;
    const uint32_t last = TH_MAX_RANK - 1;
    const int32_t row = out_dims[last];
    const int32_t in_row = in_dims[last];
    const int32_t left = before[last];
    int32_t rows = 1;
    for (uint32_t d = 0; d < last; ++d) {
        rows *= out_dims[d];
    }
    int32_t index[TH_MAX_RANK] = {0};
    for (int32_t r = 0; r < rows; ++r) {
        int inside = 1;
        for (uint32_t d = 0; d < last; ++d) {
            inside &= index[d] >= before[d] && index[d] < before[d] + in_dims[d];
        }
        if (inside) {
            fill(out, value, elem, left);
            memmove(out + (size_t)left * elem, in, (size_t)in_row * elem);
            fill(out + (size_t)(left + in_row) * elem, value, elem, row - left - in_row);
            in += (size_t)in_row * elem; /* inside rows come in the input's order */
        } else {
            fill(out, value, elem, row);
        }
        out += (size_t)row * elem;
        for (int32_t d = (int32_t)last - 1; d >= 0; --d) { /* next row index */
            if (++index[d] < out_dims[d]) {
                break;
            }
            index[d] = 0;
        }
    }
}

/* --- glue --- */

static void pad_arrays(const th_pad_params *p, int32_t before[TH_MAX_RANK], int32_t after[TH_MAX_RANK])
{
    const int32_t b[TH_MAX_RANK] = {p->before0, p->before1, p->before2, p->before3, p->before4, p->before5};
    const int32_t a[TH_MAX_RANK] = {p->after0, p->after1, p->after2, p->after3, p->after4, p->after5};
    memcpy(before, b, sizeof b);
    memcpy(after, a, sizeof a);
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_pad_params p;
    th_status status = th_move_check_dtypes(ctx, 0, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    if (out->rank != in->rank) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, in->rank, out->rank);
    }
    int32_t before[TH_MAX_RANK], after[TH_MAX_RANK];
    pad_arrays(&p, before, after);
    for (uint32_t d = 0; d < TH_MAX_RANK && status == TH_OK; ++d) {
        const uint32_t at = (uint32_t)(sizeof(int32_t) * (1u + d));
        const int32_t hi = d < in->rank ? TH_MOVE_MAX_DIM : 0; /* no padding past the rank */
        status = th_op_check_param(ctx, at, before[d], 0, hi, err);
        if (status == TH_OK) {
            status = th_op_check_param(ctx, at + sizeof(int32_t) * TH_MAX_RANK, after[d], 0, hi, err);
        }
        if (status == TH_OK && d < in->rank) {
            status = th_move_check_out_dim(ctx, out->dims[d], in->dims[d] + before[d] + after[d], err);
        }
    }
    if (status == TH_OK) {
        const int32_t lo = in->dtype == TH_DTYPE_INT8 ? INT8_MIN : in->dtype == TH_DTYPE_INT16 ? INT16_MIN : INT32_MIN;
        const int32_t hi = in->dtype == TH_DTYPE_INT8 ? INT8_MAX : in->dtype == TH_DTYPE_INT16 ? INT16_MAX : INT32_MAX;
        status = TH_CHECK_PARAM(ctx, p, pad_value, lo, hi, err);
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    th_pad_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    const uint32_t elem = th_move_elem_size(in->dtype);
    int32_t before[TH_MAX_RANK], after[TH_MAX_RANK], aligned[TH_MAX_RANK] = {0};
    int32_t in_dims[TH_MAX_RANK], out_dims[TH_MAX_RANK];
    pad_arrays(&p, before, after);
    const uint32_t lead = TH_MAX_RANK - (uint32_t)in->rank;
    for (uint32_t d = 0; d < in->rank; ++d) {
        aligned[lead + d] = before[d];
    }
    th_move_dims(in, in_dims);
    th_move_dims(out, out_dims);
    const int8_t v8 = (int8_t)p.pad_value;
    const int16_t v16 = (int16_t)p.pad_value;
    const int32_t v32 = p.pad_value;
    const void *value = elem == 1 ? (const void *)&v8 : elem == 2 ? (const void *)&v16 : (const void *)&v32;
    th_pad(elem, in_dims, in->data, aligned, out_dims, value, out->data);
}

const th_op_kernel TH_OP_KERNEL(PAD) = {1, 1, 1, 1, validate, eval, NULL};
const th_op_kernel TH_OP_KERNEL(PADV2) = {1, 1, 1, 1, validate, eval, NULL};
