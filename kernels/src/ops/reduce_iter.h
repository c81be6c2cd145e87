/* Internal: what the reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN) share. */
#ifndef TH_REDUCE_ITER_H
#define TH_REDUCE_ITER_H
#include "th_op.h"

/* validate's checks shared by the reductions: input 0 present, in and out of
 * `dtype`, `axes` (the params field at byte `axes_offset`) a mask of input dims,
 * and the output the input's shape with the reduced dims set to 1 (keep_dims)
 * or removed.  Sets *count to the number of values reduced per output. */
th_status th_reduce_check(const th_op_ctx *ctx, int32_t dtype, uint32_t axes_offset, int32_t axes, int32_t *count,
                          th_error *err);

/* The same for int8 in and out. */
static inline th_status th_reduce_check_s8(const th_op_ctx *ctx, uint32_t axes_offset, int32_t axes, int32_t *count,
                                           th_error *err)
{
    return th_reduce_check(ctx, TH_DTYPE_INT8, axes_offset, axes, count, err);
}

/* Advances part->index over dims 1.. of `part` (dim 0, the innermost, is the
 * caller's own loop; dim 1 fastest) and moves `offset` by the strides; after
 * the last position it wraps to all zeros, `offset` back where it started,
 * and returns 0. */
static inline int th_reduce_next(th_reduce_dims *part, int32_t *offset)
{
    for (int32_t j = 1; j < part->n; ++j) {
        *offset += part->strides[j];
        if (++part->index[j] < part->dims[j]) {
            return 1;
        }
        *offset -= part->strides[j] * part->dims[j];
        part->index[j] = 0;
    }
    return 0;
}

#endif
