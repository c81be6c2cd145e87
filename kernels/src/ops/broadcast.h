/* NumPy broadcasting for the binary elementwise int8 ops (ADD, SUB, MUL,
 * MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, PRELU), as TFLM's NdArrayDesc walks
 * do it: shapes are right-aligned to TH_MAX_RANK dims (missing leading dims
 * are 1) and a dim of 1 stretches against the other input's.
 *
 * th_broadcast_s8 walks the output in order and hands each op's row function
 * runs of the innermost dims: `count` outputs whose inputs advance by step1 /
 * step2 elements (1, or 0 where that input broadcasts).  Trailing dims where
 * both inputs are contiguous or both broadcast are merged into one run, so
 * same-shape inputs are a single run with steps 1 and 1. */
#ifndef TH_OPS_BROADCAST_H
#define TH_OPS_BROADCAST_H
#include <stddef.h>

#include "../th_op.h"

typedef void (*th_broadcast_row_fn)(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2,
                                    int32_t step2, int8_t *out, int32_t count);
typedef void (*th_broadcast_row_s16_fn)(const void *params, const int16_t *in1, int32_t step1, const int16_t *in2,
                                        int32_t step2, int16_t *out, int32_t count);

/* A tensor's shape right-aligned to TH_MAX_RANK dims. */
static inline th_shape th_tensor_shape(const th_tensor *t)
{
    th_shape s;
    int32_t i;
    const int32_t pad = TH_MAX_RANK - (int32_t)t->rank;
    for (i = 0; i < TH_MAX_RANK; ++i) {
        s.d[i] = i < pad ? 1 : t->dims[i - pad];
    }
    return s;
}

/* Load-time check: the output shape is the broadcast of the two inputs'
 * (inputs 0 and 1 of the op).  A mismatch names the second input (or the
 * output), with the dims expected and found. */
static inline th_status th_broadcast_check(const th_op_ctx *ctx, th_error *err)
{
    const th_shape a = th_tensor_shape(ctx->inputs[0]);
    const th_shape b = th_tensor_shape(ctx->inputs[1]);
    const th_shape o = th_tensor_shape(ctx->output);
    int32_t i;
    for (i = 0; i < TH_MAX_RANK; ++i) {
        const int32_t broadcast = a.d[i] == 1 ? b.d[i] : a.d[i];
        if (a.d[i] != b.d[i] && a.d[i] != 1 && b.d[i] != 1) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[1], TH_FIELD_DIM, a.d[i], b.d[i]);
        }
        if (o.d[i] != broadcast) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, broadcast, o.d[i]);
        }
    }
    return TH_OK;
}

/* The common checks of a binary op on one element type: inputs 0 and 1
 * present and of `dtype`, the output too and of the inputs' broadcast shape. */
static inline th_status th_binary_check(const th_op_ctx *ctx, int32_t dtype, th_error *err)
{
    int i;
    for (i = 0; i < 2; ++i) {
        if (ctx->inputs[i] == NULL) {
            return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
        }
        if (ctx->inputs[i]->dtype != dtype) {
            return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[i], TH_FIELD_TYPE, dtype,
                              ctx->inputs[i]->dtype);
        }
    }
    if (ctx->output->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, dtype, ctx->output->dtype);
    }
    return th_broadcast_check(ctx, err);
}

/* The common checks of a binary int8 op. */
static inline th_status th_binary_check_s8(const th_op_ctx *ctx, th_error *err)
{
    return th_binary_check(ctx, TH_DTYPE_INT8, err);
}

/* A binary op on int8 or int16 (the output's dtype; both inputs must share it). */
static inline th_status th_binary_check_s8_s16(const th_op_ctx *ctx, th_error *err)
{
    const int32_t dtype = TH_IS_INT16(ctx->output->dtype) ? TH_DTYPE_INT16 : TH_DTYPE_INT8;
    return th_binary_check(ctx, dtype, err);
}

/* A zero point stored in the params (negated offsets are passed negated back)
 * must be the tensor's own, and int8. */
static inline th_status th_check_zero_point(const th_op_ctx *ctx, int32_t tensor_index, const th_tensor *t,
                                            int64_t zero_point, th_error *err)
{
    if (zero_point < INT8_MIN || zero_point > INT8_MAX || zero_point != t->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, tensor_index, TH_FIELD_PARAM, t->zero_point, zero_point);
    }
    return TH_OK;
}

/* Walks `out` (shape so, the broadcast of s1 and s2) calling `row` on runs. */
static inline void th_broadcast_s8(const th_shape *s1, const int8_t *in1, const th_shape *s2, const int8_t *in2,
                                   const th_shape *so, int8_t *out, const void *params, th_broadcast_row_fn row)
{
    size_t st1[TH_MAX_RANK], st2[TH_MAX_RANK];
    int32_t idx[TH_MAX_RANK];
    size_t e1 = 1, e2 = 1, off1 = 0, off2 = 0, step1, step2;
    int32_t i, inner, run, rows, r;

    for (i = TH_MAX_RANK - 1; i >= 0; --i) {
        if (so->d[i] <= 0) {
            return;
        }
        st1[i] = s1->d[i] == 1 ? 0 : e1;
        st2[i] = s2->d[i] == 1 ? 0 : e2;
        e1 *= (size_t)s1->d[i];
        e2 *= (size_t)s2->d[i];
        idx[i] = 0;
    }
    /* Merge leading dims into the run while every input's element at
     * (index in dim k, position t in the run) stays at base + t * step. */
    inner = TH_MAX_RANK - 1;
    while (inner > 0 && so->d[inner] == 1) { /* trailing 1s move nothing */
        --inner;
    }
    run = so->d[inner];
    step1 = st1[inner];
    step2 = st2[inner];
    while (inner > 0) {
        const int32_t k = inner - 1;
        const int ok1 = so->d[k] == 1 || st1[k] == (size_t)run * step1;
        const int ok2 = so->d[k] == 1 || st2[k] == (size_t)run * step2;
        if (!(ok1 && ok2)) {
            break;
        }
        run *= so->d[k];
        inner = k;
    }
    rows = 1;
    for (i = 0; i < inner; ++i) {
        rows *= so->d[i];
    }
    for (r = 0; r < rows; ++r) {
        row(params, in1 + off1, (int32_t)step1, in2 + off2, (int32_t)step2, out, run);
        out += run;
        for (i = inner - 1; i >= 0; --i) {
            off1 += st1[i];
            off2 += st2[i];
            if (++idx[i] < so->d[i]) {
                break;
            }
            off1 -= st1[i] * (size_t)so->d[i];
            off2 -= st2[i] * (size_t)so->d[i];
            idx[i] = 0;
        }
    }
}

/* int16 runs walk with the int8 walker over element offsets: it is handed the
 * int16 buffers as bytes, so each pointer it passes is base + element offset,
 * and the trampoline turns that offset back into an int16 pointer.  One walker
 * serves both types (no second copy of it in the build). */
typedef struct {
    const void *params;
    th_broadcast_row_s16_fn row;
    const int16_t *in1, *in2;
    int16_t *out;
} th_broadcast_s16_ctx;

static inline void th_broadcast_s16_row(const void *ctx, const int8_t *in1, int32_t step1, const int8_t *in2,
                                        int32_t step2, int8_t *out, int32_t count)
{
    const th_broadcast_s16_ctx *c = (const th_broadcast_s16_ctx *)ctx;
    c->row(c->params, c->in1 + (in1 - (const int8_t *)c->in1), step1, c->in2 + (in2 - (const int8_t *)c->in2), step2,
           c->out + (out - (int8_t *)c->out), count);
}

static inline void th_broadcast_s16(const th_shape *s1, const int16_t *in1, const th_shape *s2, const int16_t *in2,
                                    const th_shape *so, int16_t *out, const void *params, th_broadcast_row_s16_fn row)
{
    th_broadcast_s16_ctx ctx;
    ctx.params = params;
    ctx.row = row;
    ctx.in1 = in1;
    ctx.in2 = in2;
    ctx.out = out;
    th_broadcast_s8(s1, (const int8_t *)in1, s2, (const int8_t *)in2, so, (int8_t *)out, &ctx, th_broadcast_s16_row);
}

/* A broadcasting binary op's eval: the three shapes, then `row` over int8 data or `row16`
 * (TH_INT16_KERNEL(...), NULL for an int8-only op) over int16 data, with the op's params. */
static inline void th_binary_eval(const th_op_ctx *ctx, const void *params, th_broadcast_row_fn row,
                                  th_broadcast_row_s16_fn row16)
{
    const th_shape s1 = th_tensor_shape(ctx->inputs[0]);
    const th_shape s2 = th_tensor_shape(ctx->inputs[1]);
    const th_shape so = th_tensor_shape(ctx->output);
    if (row16 != NULL && TH_IS_INT16(ctx->output->dtype)) {
        th_broadcast_s16(&s1, (const int16_t *)ctx->inputs[0]->data, &s2, (const int16_t *)ctx->inputs[1]->data, &so,
                         (int16_t *)ctx->output->data, params, row16);
        return;
    }
    th_broadcast_s8(&s1, (const int8_t *)ctx->inputs[0]->data, &s2, (const int8_t *)ctx->inputs[1]->data, &so,
                    (int8_t *)ctx->output->data, params, row);
}

#endif
