/* Internal: what the reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN) share. */
#ifndef TH_REDUCE_ITER_H
#define TH_REDUCE_ITER_H
#include "th_op.h"

/* validate's checks shared by the reductions: input 0 present, int8 in and
 * out, `axes` (the params field at byte `axes_offset`) a mask of input dims,
 * and the output the input's shape with the reduced dims set to 1 (keep_dims)
 * or removed. */
th_status th_reduce_check_s8(const th_op_ctx *ctx, uint32_t axes_offset, int32_t axes, th_error *err);

/* Advances `index` (last dim fastest) and moves `offset` by the strides; after
 * the last position it wraps to all zeros, `offset` back where it started, and
 * returns 0. */
static inline int th_reduce_next(int32_t *index, const int32_t *dims, const int32_t *strides, int32_t n,
                                 int32_t *offset)
{
    for (int32_t j = n - 1; j >= 0; --j) {
        *offset += strides[j];
        if (++index[j] < dims[j]) {
            return 1;
        }
        *offset -= strides[j] * dims[j];
        index[j] = 0;
    }
    return 0;
}

/* When the reduced dims are adjacent (or none), the input is [outer][count][inner]
 * and the output [outer][inner]: fills the three and returns 1; else returns 0. */
static inline int th_reduce_block(const th_tensor *input, uint32_t axes, int32_t *outer, int32_t *count,
                                  int32_t *inner)
{
    const uint32_t low = axes & (0u - axes); /* lowest set bit */
    if (((axes + low) & axes) != 0u) {
        return 0; /* a gap between reduced dims */
    }
    int32_t sizes[3] = {1, 1, 1};
    int32_t part = 0;
    for (uint32_t d = 0; d < input->rank; ++d) {
        const int reduced = (axes >> d) & 1u;
        part = reduced ? 1 : (part == 0 ? 0 : 2);
        sizes[part] *= input->dims[d];
    }
    *outer = sizes[0];
    *count = sizes[1];
    *inner = sizes[2];
    return 1;
}

#endif
