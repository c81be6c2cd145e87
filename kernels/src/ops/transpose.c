/* TRANSPOSE, as TFLM's reference Transpose: output dim d is input dim perm[d].
 * A strided copy (slice.c's th_strided_copy) whose step along output dim d is
 * the input's stride of dim perm[d].  Any element size. */
#include <string.h>

#include "movement.h"

static void perm_array(const th_transpose_params *p, int32_t perm[TH_MAX_RANK])
{
    const int32_t v[TH_MAX_RANK] = {p->perm0, p->perm1, p->perm2, p->perm3, p->perm4, p->perm5};
    memcpy(perm, v, sizeof v);
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_transpose_params p;
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
    int32_t perm[TH_MAX_RANK];
    perm_array(&p, perm);
    uint32_t seen = 0;
    for (uint32_t d = 0; d < TH_MAX_RANK && status == TH_OK; ++d) {
        const uint32_t at = (uint32_t)sizeof(int32_t) * d;
        if (d >= in->rank) {
            status = th_op_check_param(ctx, at, perm[d], (int32_t)d, (int32_t)d, err);
            continue;
        }
        status = th_op_check_param(ctx, at, perm[d], 0, (int32_t)in->rank - 1, err);
        if (status == TH_OK && (seen & (1u << perm[d])) != 0) { /* not a permutation */
            status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, -1, perm[d]);
            if (err != NULL) {
                err->byte_offset += at;
            }
        }
        if (status == TH_OK) {
            seen |= 1u << perm[d];
            status = th_move_check_out_dim(ctx, out->dims[d], in->dims[perm[d]], err);
        }
    }
    return status;
}

static void eval(const th_op_ctx *ctx)
{
    th_transpose_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    int32_t perm[TH_MAX_RANK], in_stride[TH_MAX_RANK], count[TH_MAX_RANK], step[TH_MAX_RANK];
    perm_array(&p, perm);
    int32_t stride = 1;
    for (int32_t d = (int32_t)in->rank - 1; d >= 0; --d) {
        in_stride[d] = stride;
        stride *= in->dims[d];
    }
    const uint32_t lead = TH_MAX_RANK - (uint32_t)in->rank;
    for (uint32_t d = 0; d < TH_MAX_RANK; ++d) {
        count[d] = d < lead ? 1 : out->dims[d - lead];
        step[d] = d < lead ? 0 : in_stride[perm[d - lead]];
    }
    th_strided_copy(th_move_elem_size(in->dtype), in->data, 0, count, step, out->data);
}

const th_op_kernel TH_OP_KERNEL(TRANSPOSE) = {1, 1, 1, 1, validate, eval, NULL};
