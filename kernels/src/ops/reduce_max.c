/* REDUCE_MAX and REDUCE_MIN over any set of axes of an int8 tensor: byte-exact
 * with TFLM's int8 reduce max/min (reference_ops::ReduceGeneric over the raw
 * bytes).  TFLM refuses an output whose scale or zero point differs from the
 * input's, so there is no requantization: the output bytes are input bytes. */
#include <string.h>

#include "th_op.h"
#include "reduce_iter.h"

void th_reduce_max_s8(th_reduce_shape *s, int8_t flip, const int8_t *input, int8_t *output)
{
    /* The loops of th_mean_s8 (mean.c). */
    th_reduce_dims *kept = &s->part[0], *reduced = &s->part[1];
    const int32_t count = reduced->dims[0], count_stride = reduced->strides[0];
    const int32_t depth = kept->dims[0], depth_stride = kept->strides[0];
    int32_t base = 0;
    do {
        const int8_t *first = input + base;
        for (int32_t c = 0; c < depth; ++c, first += depth_stride) {
            int8_t best = INT8_MIN;
            int32_t offset = 0;
            do {
                const int8_t *x = first + offset;
                for (int32_t i = 0; i < count; ++i) {
                    const int8_t v = (int8_t)(*x ^ flip);
                    best = v > best ? v : best;
                    x += count_stride;
                }
            } while (reduced->n > 1 && th_reduce_next(reduced, &offset));
            *output++ = (int8_t)(best ^ flip);
        }
    } while (kept->n > 1 && th_reduce_next(kept, &base));
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_reduce_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    int32_t count;
    if (status != TH_OK ||
        (status = th_reduce_check_s8(ctx, TH_FIELD_OFFSET(p, axes), p.axes, &count, err)) != TH_OK) {
        return status;
    }
    if (ctx->output->zero_point != ctx->inputs[0]->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM,
                          ctx->inputs[0]->zero_point, ctx->output->zero_point);
    }
    return TH_OK;
}

static void eval_with(const th_op_ctx *ctx, int8_t flip)
{
    th_reduce_params p;
    memcpy(&p, ctx->params, sizeof(p)); /* size checked by validate */
    const th_tensor *input = ctx->inputs[0];
    th_reduce_shape s;
    th_reduce_shape_init(&s, input->dims, input->rank, (uint32_t)p.axes);
    th_reduce_max_s8(&s, flip, (const int8_t *)input->data, (int8_t *)ctx->output->data);
}

static void eval_max(const th_op_ctx *ctx)
{
    eval_with(ctx, 0);
}

static void eval_min(const th_op_ctx *ctx)
{
    eval_with(ctx, -1);
}

const th_op_kernel TH_OP_KERNEL(REDUCE_MAX) = {1, 1, 1, 1, validate, eval_max, NULL};
const th_op_kernel TH_OP_KERNEL(REDUCE_MIN) = {1, 1, 1, 1, validate, eval_min, NULL};
