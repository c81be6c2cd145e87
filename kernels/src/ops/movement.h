/* Shared checks of the data-movement ops (PAD, CONCATENATION, slices,
 * TRANSPOSE, GATHER, SQUEEZE, EXPAND_DIMS): they copy whole elements, so one
 * kernel serves int8, int16 and int32 by element size.  They copy with
 * memmove: the runtime does not forbid a plan whose output overlaps an input,
 * and an overlap must stay defined behaviour (wrong bytes, never a crash). */
#ifndef TH_MOVEMENT_H
#define TH_MOVEMENT_H
#include "../th_op.h"

/* Bound on a dim-sized param, as the runtime bounds tensor dims: sums of a few stay in int32. */
#define TH_MOVE_MAX_DIM (1 << 24)

/* Bytes per element of a dtype these ops copy; 0 for the others. */
static inline uint32_t th_move_elem_size(uint8_t dtype)
{
    switch (dtype) {
    case TH_DTYPE_INT8: return 1u;
    case TH_DTYPE_INT16: return 2u;
    case TH_DTYPE_INT32: return 4u;
    default: return 0u;
    }
}

/* The tensor's dims right-aligned into TH_MAX_RANK dims (leading 1s). */
static inline void th_move_dims(const th_tensor *t, int32_t dims[TH_MAX_RANK])
{
    const uint32_t lead = TH_MAX_RANK - (uint32_t)t->rank;
    for (uint32_t d = 0; d < TH_MAX_RANK; ++d) {
        dims[d] = d < lead ? 1 : t->dims[d - lead];
    }
}

/* Input `index` is present and of a copyable dtype, the output of the same dtype. */
static inline th_status th_move_check_dtypes(const th_op_ctx *ctx, uint32_t index, th_error *err)
{
    const th_tensor *in = ctx->inputs[index];
    if (in == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (th_move_elem_size(in->dtype) == 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[index], TH_FIELD_TYPE, TH_DTYPE_INT8,
                          in->dtype);
    }
    if (ctx->output->dtype != in->dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, in->dtype,
                          ctx->output->dtype);
    }
    return TH_OK;
}

/* Fails with TH_ERR_SHAPE on the output's dim `d` unless it is `expected`. */
static inline th_status th_move_check_out_dim(const th_op_ctx *ctx, int32_t got, int32_t expected, th_error *err)
{
    if (got != expected) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected, got);
    }
    return TH_OK;
}

#endif
