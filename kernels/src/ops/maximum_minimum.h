/* MAXIMUM and MINIMUM, int8: TFLM's reference (MaximumMinimumBroadcastSlow)
 * compares the stored int8 values with no requantization; the compiler only
 * accepts inputs and output of one quantization, where that is exact.  The
 * plan carries no params; validate checks the three zero points agree. */
#ifndef TH_OPS_MAXIMUM_MINIMUM_H
#define TH_OPS_MAXIMUM_MINIMUM_H
#include "broadcast.h"

static inline th_status th_max_min_validate(const th_op_ctx *ctx, th_error *err)
{
    th_status status = th_binary_check_s8(ctx, err);
    if (status != TH_OK) {
        return status;
    }
    if (ctx->record.params_bytes != 0) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_SIZE, 0, ctx->record.params_bytes);
    }
    if (ctx->inputs[1]->zero_point != ctx->inputs[0]->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[1], TH_FIELD_ZERO_POINT,
                          ctx->inputs[0]->zero_point, ctx->inputs[1]->zero_point);
    }
    if (ctx->output->zero_point != ctx->inputs[0]->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_ZERO_POINT,
                          ctx->inputs[0]->zero_point, ctx->output->zero_point);
    }
    return TH_OK;
}

#endif
