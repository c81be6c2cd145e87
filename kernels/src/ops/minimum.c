/* MINIMUM, int8: TFLM's reference (MaximumMinimumBroadcastSlow with the
 * minimum functor) on the stored int8 values, broadcasting via broadcast.h. */
#include "maximum_minimum.h"

static void minimum_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                    int8_t *out, int32_t count)
{
    int32_t i;
    (void)params;
    for (i = 0; i < count; ++i) {
        out[i] = *in1 < *in2 ? *in1 : *in2;
        in1 += step1;
        in2 += step2;
    }
}

void th_minimum_s8(TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, NULL, minimum_row);
}

static void minimum_eval(const th_op_ctx *ctx)
{
    const th_shape s1 = th_tensor_shape(ctx->inputs[0]);
    const th_shape s2 = th_tensor_shape(ctx->inputs[1]);
    const th_shape so = th_tensor_shape(ctx->output);
    th_minimum_s8(&s1, (const int8_t *)ctx->inputs[0]->data, &s2, (const int8_t *)ctx->inputs[1]->data, &so,
                (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(MINIMUM) = {2, 2, 1, 1, th_max_min_validate, minimum_eval, NULL};
