/* STRIDED_SLICE and SLICE, as TFLM's reference StridedSlice and Slice: the
 * compiler resolves begin/end/strides/masks (or begin/size) exactly as TFLM's
 * StartForAxis/EndForAxis do, into a first index, a step and a count per
 * input dim; the kernel walks them in row-major order.  Any element size.
 * th_strided_copy also serves TRANSPOSE. */
#include <string.h>

#include "movement.h"

void th_strided_copy(uint32_t elem, const void *input, int32_t base, const int32_t *count,
                     const int32_t *step, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const uint32_t last = TH_MAX_RANK - 1;
    const int32_t row = count[last], inner = step[last];
    int32_t rows = 1;
    for (uint32_t d = 0; d < last; ++d) {
        rows *= count[d];
    }
    int32_t index[TH_MAX_RANK] = {0};
    for (int32_t r = 0; r < rows; ++r) {
        int32_t at = base;
        for (uint32_t d = 0; d < last; ++d) {
            at += index[d] * step[d];
        }
        if (inner == 1) {
            memmove(out, in + (size_t)at * elem, (size_t)row * elem);
            out += (size_t)row * elem;
        } else {
            for (int32_t i = 0; i < row; ++i, at += inner, out += elem) {
                memmove(out, in + (ptrdiff_t)at * (ptrdiff_t)elem, elem);
            }
        }
        for (int32_t d = (int32_t)last - 1; d >= 0; --d) {
            if (++index[d] < count[d]) {
                break;
            }
            index[d] = 0;
        }
    }
}

/* --- glue --- */

static void slice_arrays(const th_slice_params *p, int32_t begin[TH_MAX_RANK], int32_t step[TH_MAX_RANK],
                         int32_t count[TH_MAX_RANK])
{
    const int32_t b[TH_MAX_RANK] = {p->begin0, p->begin1, p->begin2, p->begin3, p->begin4, p->begin5};
    const int32_t s[TH_MAX_RANK] = {p->step0, p->step1, p->step2, p->step3, p->step4, p->step5};
    const int32_t c[TH_MAX_RANK] = {p->count0, p->count1, p->count2, p->count3, p->count4, p->count5};
    memcpy(begin, b, sizeof b);
    memcpy(step, s, sizeof s);
    memcpy(count, c, sizeof c);
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_slice_params p;
    th_status status = th_move_check_dtypes(ctx, 0, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *in = ctx->inputs[0];
    int32_t begin[TH_MAX_RANK], step[TH_MAX_RANK], count[TH_MAX_RANK];
    slice_arrays(&p, begin, step, count);
    const uint32_t word = (uint32_t)sizeof(int32_t);
    int64_t elements = 1;
    for (uint32_t d = 0; d < TH_MAX_RANK && status == TH_OK; ++d) {
        const uint32_t at_begin = word * d, at_step = word * (TH_MAX_RANK + d), at_count = word * (2 * TH_MAX_RANK + d);
        if (d >= in->rank) { /* past the rank: one element */
            status = th_op_check_param(ctx, at_begin, begin[d], 0, 0, err);
            if (status == TH_OK) {
                status = th_op_check_param(ctx, at_step, step[d], 1, 1, err);
            }
            if (status == TH_OK) {
                status = th_op_check_param(ctx, at_count, count[d], 1, 1, err);
            }
            continue;
        }
        const int32_t dim = in->dims[d];
        status = th_op_check_param(ctx, at_begin, begin[d], 0, dim - 1, err);
        if (status == TH_OK) {
            status = th_op_check_param(ctx, at_count, count[d], 1, dim, err);
        }
        if (status == TH_OK) {
            status = th_op_check_param(ctx, at_step, step[d], -TH_MOVE_MAX_DIM, TH_MOVE_MAX_DIM, err);
        }
        if (status == TH_OK) {
            /* the last index read along d stays inside the dim */
            const int64_t last = (int64_t)begin[d] + (int64_t)(count[d] - 1) * step[d];
            if (last < 0 || last >= dim || (step[d] == 0 && count[d] > 1)) {
                status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, dim - 1, last);
                if (err != NULL) {
                    err->byte_offset += at_step;
                }
            }
        }
        elements *= count[d];
    }
    if (status == TH_OK && elements != th_tensor_elements(ctx->output)) {
        status = th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_COUNT, elements,
                            th_tensor_elements(ctx->output));
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    th_slice_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *in = ctx->inputs[0];
    int32_t begin[TH_MAX_RANK], step[TH_MAX_RANK], count[TH_MAX_RANK];
    slice_arrays(&p, begin, step, count);
    /* params are per input dim; right-align them with the input's strides */
    int32_t aligned_count[TH_MAX_RANK], aligned_step[TH_MAX_RANK];
    const uint32_t lead = TH_MAX_RANK - (uint32_t)in->rank;
    int32_t stride = 1, base = 0;
    for (int32_t d = TH_MAX_RANK - 1; d >= 0; --d) {
        if ((uint32_t)d >= lead) {
            const uint32_t k = (uint32_t)d - lead;
            aligned_count[d] = count[k];
            aligned_step[d] = step[k] * stride;
            base += begin[k] * stride;
            stride *= in->dims[k];
        } else {
            aligned_count[d] = 1;
            aligned_step[d] = 0;
        }
    }
    th_strided_copy(th_move_elem_size(in->dtype), in->data, base, aligned_count, aligned_step, ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(STRIDED_SLICE) = {1, 1, 1, 1, validate, eval, NULL};
const th_op_kernel TH_OP_KERNEL(SLICE) = {1, 1, 1, 1, validate, eval, NULL};
