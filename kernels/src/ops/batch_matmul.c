/* BATCH_MATMUL, int8: byte-exact with TFLM's reference BatchMatMul<int8_t, int32_t>.
 * out[b][m][n] = sum_k (lhs[b][m][k] + lhs_offset) * (rhs[b][k][n] + rhs_offset),
 * requantized with one multiplier, plus the output zero point, clamped to int8
 * (BATCH_MATMUL has no fused activation).  Both zero points count, as in TFLM.
 * TFLM transposes the operands into its GEMM layout first (a constant RHS
 * once); the sums are the same whatever the layout, and they wrap modulo 2^32
 * like TFLM's int32 ones, so this kernel reads either layout in place through
 * strides instead.  Batch dims broadcast where one side has 1, as TFLM's
 * extent() does. */
#include <string.h>

#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"

enum { BMM_LHS = 0, BMM_RHS = 1 };

#define BMM_RANK 5
/* Keeps every index exact and bounds the work per output; TFLM sums in int32
 * (wrapping here where it would overflow). */
#define BMM_MAX_ACCUM_DEPTH 65536

/* The operands' geometry: rows m, columns n, depth k, and the strides of one
 * matrix's m/k (lhs) and k/n (rhs) indices under adj_x / adj_y. */
typedef struct {
    int32_t rows, cols, depth;
    int32_t lhs_row_stride, lhs_depth_stride;
    int32_t rhs_depth_stride, rhs_col_stride;
} bmm_geometry;

static bmm_geometry bmm_geometry_of(const th_batch_matmul_params *p, const int32_t lhs_dims[BMM_RANK],
                                    const int32_t rhs_dims[BMM_RANK])
{
    bmm_geometry g;
    const int32_t l3 = lhs_dims[3], l4 = lhs_dims[4], r3 = rhs_dims[3], r4 = rhs_dims[4];
    if (p->adj_x) { /* lhs is stored [k][m] */
        g.rows = l4;
        g.depth = l3;
        g.lhs_row_stride = 1;
        g.lhs_depth_stride = l4;
    } else {        /* [m][k] */
        g.rows = l3;
        g.depth = l4;
        g.lhs_row_stride = l4;
        g.lhs_depth_stride = 1;
    }
    if (p->adj_y) { /* rhs is stored [n][k] */
        g.cols = r3;
        g.rhs_depth_stride = 1;
        g.rhs_col_stride = r4;
    } else {        /* [k][n] */
        g.cols = r4;
        g.rhs_depth_stride = r4;
        g.rhs_col_stride = 1;
    }
    return g;
}

/* TFLM's batch_matmul::extent: how far one step of batch dim `d` moves in an
 * operand (0 where it broadcasts). */
static size_t bmm_extent(const int32_t dims[BMM_RANK], int d)
{
    if (dims[d] == 1) {
        return 0;
    }
    size_t prod = 1;
    for (int i = d + 1; i < BMM_RANK; ++i) {
        prod *= (size_t)dims[i];
    }
    return prod;
}

void th_batch_matmul_s8(const th_batch_matmul_params *p, const int32_t lhs_dims[5], const int8_t *lhs,
                        const int32_t rhs_dims[5], const int8_t *rhs, int8_t *output)
{
    const bmm_geometry g = bmm_geometry_of(p, lhs_dims, rhs_dims);
    int32_t batch[3];
    size_t lhs_ext[3], rhs_ext[3];
    for (int d = 0; d < 3; ++d) {
        batch[d] = lhs_dims[d] == 1 ? rhs_dims[d] : lhs_dims[d];
        lhs_ext[d] = bmm_extent(lhs_dims, d);
        rhs_ext[d] = bmm_extent(rhs_dims, d);
    }
    int8_t *out = output;
    for (int32_t b0 = 0; b0 < batch[0]; ++b0) {
        for (int32_t b1 = 0; b1 < batch[1]; ++b1) {
            for (int32_t b2 = 0; b2 < batch[2]; ++b2) {
                const int8_t *lhs_matrix = lhs + b0 * lhs_ext[0] + b1 * lhs_ext[1] + b2 * lhs_ext[2];
                const int8_t *rhs_matrix = rhs + b0 * rhs_ext[0] + b1 * rhs_ext[1] + b2 * rhs_ext[2];
                for (int32_t m = 0; m < g.rows; ++m) {
                    const int8_t *lhs_row = lhs_matrix + (size_t)m * g.lhs_row_stride;
                    for (int32_t n = 0; n < g.cols; ++n) {
                        const int8_t *rhs_col = rhs_matrix + (size_t)n * g.rhs_col_stride;
                        int32_t acc = 0;
                        for (int32_t k = 0; k < g.depth; ++k) {
                            const int32_t l = lhs_row[(size_t)k * g.lhs_depth_stride] + p->lhs_offset;
                            const int32_t r = rhs_col[(size_t)k * g.rhs_depth_stride] + p->rhs_offset;
                            acc = th_add_wrap(acc, l * r);
                        }
                        acc = th_multiply_by_quantized_multiplier(acc, p->multiplier, p->shift);
                        acc = th_add_wrap(acc, p->output_offset);
                        *out++ = (int8_t)th_clamp(acc, -128, 127);
                    }
                }
            }
        }
    }
}

/* --- plan glue ----------------------------------------------------------- */

/* A tensor's shape padded to rank 5 with leading ones (its rank is 2..5: validated). */
static void bmm_extended_dims(const th_tensor *t, int32_t dims[BMM_RANK])
{
    const int pad = BMM_RANK - t->rank;
    for (int i = 0; i < BMM_RANK; ++i) {
        dims[i] = i < pad ? 1 : t->dims[i - pad];
    }
}

static th_status bmm_check_tensor(const th_op_ctx *ctx, const th_tensor *t, int32_t index, th_error *err)
{
    if (t->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, TH_DTYPE_INT8, t->dtype);
    }
    if (t->rank < 2 || t->rank > BMM_RANK) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_RANK, t->rank < 2 ? 2 : BMM_RANK, t->rank);
    }
    return TH_OK;
}

static th_status bmm_validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *lhs = ctx->inputs[BMM_LHS];
    const th_tensor *rhs = ctx->inputs[BMM_RHS];
    const th_tensor *output = ctx->output;
    const int32_t lhs_index = ctx->input_index[BMM_LHS], rhs_index = ctx->input_index[BMM_RHS];
    th_batch_matmul_params p;
    th_status s;

    if ((s = bmm_check_tensor(ctx, lhs, lhs_index, err)) != TH_OK ||
        (s = bmm_check_tensor(ctx, rhs, rhs_index, err)) != TH_OK ||
        (s = bmm_check_tensor(ctx, output, ctx->output_index, err)) != TH_OK) {
        return s;
    }
    const int32_t out_rank = lhs->rank > rhs->rank ? lhs->rank : rhs->rank;
    if (output->rank != out_rank) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, out_rank, output->rank);
    }
    if ((s = th_op_params(ctx, &p, sizeof(p), err)) != TH_OK) {
        return s;
    }
    if ((int64_t)p.lhs_offset != -(int64_t)lhs->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, lhs_index, TH_FIELD_PARAM, -(int64_t)lhs->zero_point,
                          p.lhs_offset);
    }
    if ((int64_t)p.rhs_offset != -(int64_t)rhs->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, rhs_index, TH_FIELD_PARAM, -(int64_t)rhs->zero_point,
                          p.rhs_offset);
    }
    if (p.output_offset != output->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->output_index, TH_FIELD_PARAM, output->zero_point,
                          p.output_offset);
    }
    if ((s = TH_CHECK_PARAM(ctx, p, lhs_offset, -127, 128, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, rhs_offset, -127, 128, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, output_offset, -128, 127, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, shift, -31, 30, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, adj_x, 0, 1, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, adj_y, 0, 1, err)) != TH_OK) {
        return s;
    }

    int32_t l[BMM_RANK], r[BMM_RANK], o[BMM_RANK];
    bmm_extended_dims(lhs, l);
    bmm_extended_dims(rhs, r);
    bmm_extended_dims(output, o);
    for (int d = 0; d < 3; ++d) { /* batch dims: equal, or one side 1 */
        if (l[d] != r[d] && l[d] != 1 && r[d] != 1) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, rhs_index, TH_FIELD_DIM, l[d], r[d]);
        }
        const int32_t b = l[d] == 1 ? r[d] : l[d];
        if (o[d] != b) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, b, o[d]);
        }
    }
    const bmm_geometry g = bmm_geometry_of(&p, l, r);
    const int32_t rhs_depth = p.adj_y ? r[4] : r[3];
    if (rhs_depth != g.depth) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, rhs_index, TH_FIELD_DIM, g.depth, rhs_depth);
    }
    if (g.depth > BMM_MAX_ACCUM_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, lhs_index, TH_FIELD_DIM, BMM_MAX_ACCUM_DEPTH, g.depth);
    }
    if (o[3] != g.rows) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, g.rows, o[3]);
    }
    if (o[4] != g.cols) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, g.cols, o[4]);
    }
    return TH_OK;
}

static void bmm_eval(const th_op_ctx *ctx)
{
    th_batch_matmul_params p;
    int32_t l[BMM_RANK], r[BMM_RANK];
    memcpy(&p, ctx->params, sizeof(p)); /* size and bounds checked in validate */
    bmm_extended_dims(ctx->inputs[BMM_LHS], l);
    bmm_extended_dims(ctx->inputs[BMM_RHS], r);
    th_batch_matmul_s8(&p, l, (const int8_t *)ctx->inputs[BMM_LHS]->data, r,
                       (const int8_t *)ctx->inputs[BMM_RHS]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(BATCH_MATMUL) = {2, 2, 1, 1, bmm_validate, bmm_eval, NULL};
