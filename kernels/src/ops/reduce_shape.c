/* The loop structure shared by the reductions (MEAN, SUM, REDUCE_MAX,
 * REDUCE_MIN): see th_reduce_shape in th_kernels.h. */
#include "reduce_iter.h"

void th_reduce_shape_init(th_reduce_shape *s, const int32_t *dims, uint32_t rank, uint32_t axes)
{
    int32_t group_dims[TH_MAX_RANK];
    uint32_t group_reduced[TH_MAX_RANK];
    int32_t groups = 0;
    for (uint32_t d = 0; d < rank && d < TH_MAX_RANK; ++d) {
        const uint32_t reduced = (axes >> d) & 1u;
        if (dims[d] == 1) {
            continue; /* neither adds outputs nor values to reduce */
        }
        if (groups > 0 && group_reduced[groups - 1] == reduced) {
            group_dims[groups - 1] *= dims[d];
        } else {
            group_dims[groups] = dims[d];
            group_reduced[groups] = reduced;
            ++groups;
        }
    }
    int32_t strides[TH_MAX_RANK];
    int32_t stride = 1;
    for (int32_t g = groups - 1; g >= 0; --g) {
        strides[g] = stride;
        stride *= group_dims[g];
    }
    s->num_kept = 0;
    s->num_reduced = 0;
    s->count = 1;
    s->outputs = 1;
    for (int32_t g = 0; g < groups; ++g) {
        if (group_reduced[g]) {
            s->reduced_dims[s->num_reduced] = group_dims[g];
            s->reduced_strides[s->num_reduced] = strides[g];
            s->num_reduced++;
            s->count *= group_dims[g];
        } else {
            s->kept_dims[s->num_kept] = group_dims[g];
            s->kept_strides[s->num_kept] = strides[g];
            s->num_kept++;
            s->outputs *= group_dims[g];
        }
    }
}

th_status th_reduce_check_s8(const th_op_ctx *ctx, uint32_t axes_offset, int32_t axes, th_error *err)
{
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    if (input == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (input->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8,
                          input->dtype);
    }
    if (output->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8,
                          output->dtype);
    }
    const int32_t all = (int32_t)((1u << input->rank) - 1u);
    th_status status = th_op_check_param(ctx, axes_offset, axes, 0, all, err);
    if (status != TH_OK) {
        return status;
    }
    int32_t kept = 0;
    for (uint32_t d = 0; d < input->rank; ++d) {
        kept += ((axes >> d) & 1) ? 0 : 1;
    }
    const int keep_dims = output->rank == input->rank;
    if (!keep_dims && (int32_t)output->rank != kept) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, kept, output->rank);
    }
    uint32_t o = 0;
    for (uint32_t d = 0; d < input->rank; ++d) {
        const int reduced = (axes >> d) & 1;
        if (reduced && !keep_dims) {
            continue;
        }
        const int32_t expected = reduced ? 1 : input->dims[d];
        if (output->dims[o] != expected) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected, output->dims[o]);
        }
        ++o;
    }
    return TH_OK;
}
