/* REDUCE_MAX and REDUCE_MIN over any set of axes of an int8 tensor: byte-exact
 * with TFLM's int8 reduce max/min (reference_ops::ReduceGeneric over the raw
 * bytes).  TFLM refuses an output whose scale or zero point differs from the
 * input's, so there is no requantization: the output bytes are input bytes. */
#include <string.h>

#include "th_op.h"
#include "reduce_iter.h"

void th_reduce_max_s8(const th_reduce_shape *s, int8_t flip, const int8_t *input, int8_t *output)
{
    const int32_t outer = s->num_reduced - 1;
    const int32_t inner = outer >= 0 ? s->reduced_dims[outer] : 1;
    const int32_t inner_stride = outer >= 0 ? s->reduced_strides[outer] : 0;
    int32_t kept_index[TH_MAX_RANK] = {0};
    int32_t reduced_index[TH_MAX_RANK] = {0};
    int32_t base = 0;
    for (int32_t o = 0; o < s->outputs; ++o) {
        int8_t best = INT8_MIN;
        int32_t offset = base;
        do {
            const int8_t *x = input + offset;
            for (int32_t i = 0; i < inner; ++i) {
                const int8_t v = (int8_t)(x[i * inner_stride] ^ flip);
                best = v > best ? v : best;
            }
        } while (th_reduce_next(reduced_index, s->reduced_dims, s->reduced_strides, outer, &offset));
        output[o] = (int8_t)(best ^ flip);
        th_reduce_next(kept_index, s->kept_dims, s->kept_strides, s->num_kept, &base);
    }
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_reduce_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    if (status != TH_OK || (status = th_reduce_check_s8(ctx, TH_FIELD_OFFSET(p, axes), p.axes, err)) != TH_OK) {
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
