/* GATHER, as TFLM's reference Gather (gather.cc) with batch_dims: slices of
 * the input along `axis` picked by constant indices.  The indices live in the
 * constant region and are all checked against the axis at load time, so eval
 * cannot read outside the input (TFLM checks them at every invoke instead).
 * Any element size (TFLM itself gathers int8 and float32). */
#include <string.h>

#include "movement.h"

void th_gather(uint32_t elem, const void *input, const int32_t *indices, int32_t batch, int32_t outer,
               int32_t axis_size, int32_t coords, int32_t inner, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const size_t slice = (size_t)inner * elem;
    for (int32_t b = 0; b < batch; ++b) {
        for (int32_t o = 0; o < outer; ++o) {
            const uint8_t *rows = in + ((size_t)b * (size_t)outer + (size_t)o) * (size_t)axis_size * slice;
            for (int32_t c = 0; c < coords; ++c) {
                memmove(out, rows + (size_t)indices[(size_t)b * (size_t)coords + (size_t)c] * slice, slice);
                out += slice;
            }
        }
    }
}

/* --- glue --- */

typedef struct {
    int32_t batch, outer, axis_size, inner;
} gather_sizes;

static gather_sizes sizes_of(const th_tensor *in, const th_gather_params *p)
{
    gather_sizes s = {1, 1, in->dims[p->axis], 1};
    for (int32_t d = 0; d < p->batch_dims; ++d) {
        s.batch *= in->dims[d];
    }
    for (int32_t d = p->batch_dims; d < p->axis; ++d) {
        s.outer *= in->dims[d];
    }
    for (uint32_t d = (uint32_t)p->axis + 1; d < in->rank; ++d) {
        s.inner *= in->dims[d];
    }
    return s;
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_gather_params p;
    th_status status = th_move_check_dtypes(ctx, 0, err);
    if (status == TH_OK) {
        status = th_op_params(ctx, &p, sizeof p, err);
    }
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, axis, 0, (int32_t)in->rank - 1, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, batch_dims, 0, p.axis, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, coords, 1, INT32_MAX, err);
    }
    if (status != TH_OK) {
        return status;
    }
    const gather_sizes s = sizes_of(in, &p);
    if ((int64_t)s.batch * p.coords > INT32_MAX) {
        return TH_CHECK_PARAM(ctx, p, coords, 1, INT32_MAX / s.batch, err);
    }
    status = TH_CHECK_PARAM(ctx, p, indices_count, s.batch * p.coords, s.batch * p.coords, err);
    if (status != TH_OK) {
        return status;
    }
    const int32_t *indices;
    status = th_op_const_i32(ctx, p.indices_offset, p.indices_count, &indices, err);
    for (int32_t i = 0; i < p.indices_count && status == TH_OK; ++i) {
        status = th_op_check_range(ctx, indices[i], 0, s.axis_size - 1, err);
    }
    if (status != TH_OK) {
        return status;
    }
    /* output: input dims before the axis, the index dims, input dims after the axis */
    const uint32_t after = in->rank - 1u - (uint32_t)p.axis;
    if (out->rank < (uint32_t)p.axis + after) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, p.axis + (int32_t)after,
                          out->rank);
    }
    for (int32_t d = 0; d < p.axis && status == TH_OK; ++d) {
        status = th_move_check_out_dim(ctx, out->dims[d], in->dims[d], err);
    }
    for (uint32_t k = 1; k <= after && status == TH_OK; ++k) {
        status = th_move_check_out_dim(ctx, out->dims[out->rank - k], in->dims[in->rank - k], err);
    }
    const int64_t elements = (int64_t)s.batch * s.outer * p.coords * s.inner;
    if (status == TH_OK && elements != th_tensor_elements(out)) {
        status = th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_COUNT, elements,
                            th_tensor_elements(out));
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    th_gather_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *in = ctx->inputs[0];
    const gather_sizes s = sizes_of(in, &p);
    const int32_t *indices;
    (void)th_op_const_i32(ctx, p.indices_offset, p.indices_count, &indices, NULL);
    th_gather(th_move_elem_size(in->dtype), in->data, indices, s.batch, s.outer, s.axis_size, p.coords, s.inner,
              ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(GATHER) = {1, 1, 1, 1, validate, eval, NULL};
