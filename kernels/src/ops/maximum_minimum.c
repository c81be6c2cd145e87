/* MAXIMUM and MINIMUM, int8: TFLM's reference (MaximumMinimumBroadcastSlow
 * with the maximum or minimum functor) on the stored int8 values, broadcasting
 * via broadcast.h; one row loop for both, MINIMUM as the maximum of the
 * complements (~x flips the order of int8 values exactly). */
#include "maximum_minimum.h"

static void max_of_flipped_row(int8_t flip, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                               int8_t *out, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int8_t a = (int8_t)(*in1 ^ flip), b = (int8_t)(*in2 ^ flip);
        out[i] = (int8_t)((a > b ? a : b) ^ flip);
        in1 += step1;
        in2 += step2;
    }
}

static void maximum_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                        int8_t *out, int32_t count)
{
    (void)params;
    max_of_flipped_row(0, in1, step1, in2, step2, out, count);
}

static void minimum_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                        int8_t *out, int32_t count)
{
    (void)params;
    max_of_flipped_row(-1, in1, step1, in2, step2, out, count);
}

void th_maximum_s8(TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, NULL, maximum_row);
}

void th_minimum_s8(TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, NULL, minimum_row);
}

static void maximum_eval(const th_op_ctx *ctx)
{
    th_binary_eval(ctx, NULL, maximum_row, NULL);
}

static void minimum_eval(const th_op_ctx *ctx)
{
    th_binary_eval(ctx, NULL, minimum_row, NULL);
}

const th_op_kernel TH_OP_KERNEL(MAXIMUM) = {2, 2, 1, 1, th_max_min_validate, maximum_eval, NULL};
const th_op_kernel TH_OP_KERNEL(MINIMUM) = {2, 2, 1, 1, th_max_min_validate, minimum_eval, NULL};
