/* ADD, int8: TFLM's reference kernel (reference/integer_ops/add.h, AddFunc),
 * with NumPy broadcasting over right-aligned 4-D shapes as in its
 * BroadcastAdd4DSlow.  Each input is offset, shifted left for headroom,
 * rescaled to a common scale, summed, and requantized to the output. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

/* (x + offset) is within [-255, 255]; with a left shift of at most 22 the two
 * shifted, rescaled inputs and their sum stay inside int32 (TFLM uses 20). */
#define ADD_MAX_LEFT_SHIFT 22

static inline int8_t add_one(const th_add_params *p, int32_t x1, int32_t x2)
{
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    /* MultiplyByQuantizedMultiplierSmallerThanOneExp: shifts are <= 0. */
    const int32_t scaled1 = th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(shifted1, p->input1_multiplier),
                                                      -p->input1_shift);
    const int32_t scaled2 = th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(shifted2, p->input2_multiplier),
                                                      -p->input2_shift);
    const int32_t raw_output =
        th_rounding_divide_by_pot(th_sat_rounding_doubling_high_mul(scaled1 + scaled2, p->output_multiplier),
                                  -p->output_shift) + p->output_offset;
    return (int8_t)th_clamp(raw_output, p->act_min, p->act_max);
}

void th_add_s8(const th_add_params *p, const th_dims *input1_dims, const int8_t *input1,
               const th_dims *input2_dims, const int8_t *input2,
               const th_dims *output_dims, int8_t *output)
{
    const th_dims *d1 = input1_dims, *d2 = input2_dims, *out = output_dims;
    if (d1->n == d2->n && d1->h == d2->h && d1->w == d2->w && d1->c == d2->c) {
        const size_t count = (size_t)out->n * (size_t)out->h * (size_t)out->w * (size_t)out->c;
        size_t i;
        for (i = 0; i < count; ++i) {
            output[i] = add_one(p, input1[i], input2[i]);
        }
        return;
    }
    {
        /* Element strides of each input along n, h, w, c; 0 where it broadcasts. */
        const size_t s1c = d1->c == 1 ? 0 : 1;
        const size_t s1w = d1->w == 1 ? 0 : (size_t)d1->c;
        const size_t s1h = d1->h == 1 ? 0 : (size_t)d1->w * (size_t)d1->c;
        const size_t s1n = d1->n == 1 ? 0 : (size_t)d1->h * (size_t)d1->w * (size_t)d1->c;
        const size_t s2c = d2->c == 1 ? 0 : 1;
        const size_t s2w = d2->w == 1 ? 0 : (size_t)d2->c;
        const size_t s2h = d2->h == 1 ? 0 : (size_t)d2->w * (size_t)d2->c;
        const size_t s2n = d2->n == 1 ? 0 : (size_t)d2->h * (size_t)d2->w * (size_t)d2->c;
        int32_t n, h, w, c;
        for (n = 0; n < out->n; ++n) {
            for (h = 0; h < out->h; ++h) {
                for (w = 0; w < out->w; ++w) {
                    const int8_t *row1 = input1 + (size_t)n * s1n + (size_t)h * s1h + (size_t)w * s1w;
                    const int8_t *row2 = input2 + (size_t)n * s2n + (size_t)h * s2h + (size_t)w * s2w;
                    for (c = 0; c < out->c; ++c) {
                        *output++ = add_one(p, row1[(size_t)c * s1c], row2[(size_t)c * s2c]);
                    }
                }
            }
        }
    }
}

/* --- glue --- */

/* NumPy broadcasting per dimension: equal, or one side is 1; the output is the other side. */
static th_status check_dims(const th_op_ctx *ctx, const th_dims *a, const th_dims *b, const th_dims *out,
                            th_error *err)
{
    const int32_t av[4] = {a->n, a->h, a->w, a->c};
    const int32_t bv[4] = {b->n, b->h, b->w, b->c};
    const int32_t ov[4] = {out->n, out->h, out->w, out->c};
    int i;
    for (i = 0; i < 4; ++i) {
        const int32_t broadcast = av[i] == 1 ? bv[i] : av[i];
        if (av[i] != bv[i] && av[i] != 1 && bv[i] != 1) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[1], TH_FIELD_DIM, av[i], bv[i]);
        }
        if (ov[i] != broadcast) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, broadcast, ov[i]);
        }
    }
    return TH_OK;
}

/* The params' offsets must match the tensors' (int8) zero points. */
static th_status check_zero_point(const th_op_ctx *ctx, int32_t tensor_index, const th_tensor *t,
                                  int64_t zero_point, th_error *err)
{
    if (zero_point < INT8_MIN || zero_point > INT8_MAX || zero_point != t->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, tensor_index, TH_FIELD_PARAM, t->zero_point, zero_point);
    }
    return TH_OK;
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: multiplier >= 0, shift in [-31, 0]. */
static th_status check_multiplier(const th_op_ctx *ctx, int32_t multiplier, int32_t shift, th_error *err)
{
    th_status status = th_op_check_range(ctx, multiplier, 0, INT32_MAX, err);
    return status != TH_OK ? status : th_op_check_range(ctx, shift, -31, 0, err);
}

static th_status add_validate(const th_op_ctx *ctx, th_error *err)
{
    th_add_params p;
    th_dims d1, d2, dout;
    th_status status;
    int i;

    for (i = 0; i < 2; ++i) {
        if (ctx->inputs[i] == NULL) {
            return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
        }
        if (ctx->inputs[i]->dtype != TH_DTYPE_INT8) {
            return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[i], TH_FIELD_TYPE, TH_DTYPE_INT8,
                              ctx->inputs[i]->dtype);
        }
    }
    if (ctx->output->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8,
                          ctx->output->dtype);
    }
    d1 = th_tensor_dims(ctx->inputs[0]);
    d2 = th_tensor_dims(ctx->inputs[1]);
    dout = th_tensor_dims(ctx->output);
    status = check_dims(ctx, &d1, &d2, &dout, err);
    if (status != TH_OK) {
        return status;
    }

    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, left_shift, 0, ADD_MAX_LEFT_SHIFT, err);
    }
    if (status == TH_OK) {
        status = check_zero_point(ctx, ctx->input_index[0], ctx->inputs[0], -(int64_t)p.input1_offset, err);
    }
    if (status == TH_OK) {
        status = check_zero_point(ctx, ctx->input_index[1], ctx->inputs[1], -(int64_t)p.input2_offset, err);
    }
    if (status == TH_OK) {
        status = check_zero_point(ctx, ctx->output_index, ctx->output, p.output_offset, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.input1_multiplier, p.input1_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.input2_multiplier, p.input2_shift, err);
    }
    if (status == TH_OK) {
        status = check_multiplier(ctx, p.output_multiplier, p.output_shift, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_ACTIVATION(ctx, p, err);
    }
    return status;
}

static void add_eval(const th_op_ctx *ctx)
{
    th_add_params p;
    const th_dims d1 = th_tensor_dims(ctx->inputs[0]);
    const th_dims d2 = th_tensor_dims(ctx->inputs[1]);
    const th_dims dout = th_tensor_dims(ctx->output);
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_add_s8(&p, &d1, (const int8_t *)ctx->inputs[0]->data, &d2, (const int8_t *)ctx->inputs[1]->data,
              &dout, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(ADD) = {2, 2, 1, 1, add_validate, add_eval, NULL};
