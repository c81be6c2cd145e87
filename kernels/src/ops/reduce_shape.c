/* The loop structure shared by the reductions (MEAN, SUM, REDUCE_MAX,
 * REDUCE_MIN): see th_reduce_shape in th_kernels.h. */
#include "reduce_iter.h"

void th_reduce_shape_init(th_reduce_shape *s, const int32_t *dims, uint32_t rank, uint32_t axes)
{
    for (uint32_t k = 0; k < 2; ++k) {
        /* Dim 0 stands for "none" (1, stride 0) until a group takes its place. */
        s->part[k].n = 0;
        s->part[k].size = 1;
        s->part[k].dims[0] = 1;
        s->part[k].strides[0] = 0;
    }
    int32_t stride = 1;
    uint32_t last = 2; /* the part of the previous dim of more than 1 (none yet) */
    for (uint32_t d = rank; d-- > 0;) {
        const uint32_t reduced = (axes >> d) & 1u;
        th_reduce_dims *part = &s->part[reduced];
        const int32_t dim = dims[d];
        if (dim == 1) {
            continue; /* neither adds outputs nor values to reduce */
        }
        if (reduced == last) {
            part->dims[part->n - 1] *= dim; /* adjacent: one loop */
        } else {
            part->dims[part->n] = dim;
            part->strides[part->n] = stride;
            part->index[part->n] = 0;
            part->n++;
        }
        part->size *= dim;
        stride *= dim;
        last = reduced;
    }
}

th_status th_reduce_check(const th_op_ctx *ctx, int32_t dtype, uint32_t axes_offset, int32_t axes, int32_t *count,
                          th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    if (input == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (input->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, dtype, input->dtype);
    }
    if (output->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, dtype, output->dtype);
    }
    const th_status status = th_op_check_param(ctx, axes_offset, axes, 0, (int32_t)((1u << input->rank) - 1u), err);
    if (status != TH_OK) {
        return status;
    }
    /* Output dim o against input dim d: the reduced ones are 1 (keep_dims) or absent. */
    const int keep_dims = output->rank == input->rank;
    uint32_t o = 0;
    *count = 1;
    for (uint32_t d = 0; d < input->rank; ++d) {
        const int reduced = (axes >> d) & 1;
        if (reduced) {
            *count *= input->dims[d]; /* bounded at load: a tensor's element count fits */
            if (!keep_dims) {
                continue;
            }
        }
        const int32_t expected = reduced ? 1 : input->dims[d];
        if (o < output->rank && output->dims[o] != expected) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected, output->dims[o]);
        }
        ++o;
    }
    if (o != output->rank) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, o, output->rank);
    }
    return TH_OK;
}
