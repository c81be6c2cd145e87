/* SUB, int8 and int16: TFLM's reference (reference_ops::SubElementwise and
 * BroadcastQuantSubSlow): quantized as ADD is (left shift 20, 15 for int16,
 * per-input multipliers to twice the larger input scale), the rescaled second
 * input subtracted from the first.  Broadcasting as ADD (broadcast.h). */
#include <string.h>

#include "add_sub.h"
#include "broadcast.h"

static inline int8_t sub_one(const th_sub_params *p, int32_t x1, int32_t x2)
{
    const int32_t scaled1 = th_add_sub_scaled(x1, p->input1_offset, p->left_shift, p->input1_multiplier,
                                              p->input1_shift);
    const int32_t scaled2 = th_add_sub_scaled(x2, p->input2_offset, p->left_shift, p->input2_multiplier,
                                              p->input2_shift);
    return th_add_sub_output(p, scaled1 - scaled2);
}

static void sub_row(const void *params, const int8_t *in1, int32_t step1, const int8_t *in2, int32_t step2,
                    int8_t *out, int32_t count)
{
    const th_sub_params *p = (const th_sub_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        out[i] = sub_one(p, *in1, *in2);
        in1 += step1;
        in2 += step2;
    }
}

void th_sub_s8(const th_sub_params *p, TH_BINARY_S8_ARGS)
{
    th_broadcast_s8(input1_shape, input1, input2_shape, input2, output_shape, output, p, sub_row);
}

static void sub_row_s16(const void *params, const int16_t *in1, int32_t step1, const int16_t *in2, int32_t step2,
                        int16_t *out, int32_t count)
{
    const th_sub_params *p = (const th_sub_params *)params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = th_add_sub_scaled(*in1, 0, p->left_shift, p->input1_multiplier, p->input1_shift);
        const int32_t scaled2 = th_add_sub_scaled(*in2, 0, p->left_shift, p->input2_multiplier, p->input2_shift);
        out[i] = th_add_sub_output_s16(p, scaled1 - scaled2);
        in1 += step1;
        in2 += step2;
    }
}

void th_sub_s16(const th_sub_params *p, TH_BINARY_S16_ARGS)
{
    th_broadcast_s16(input1_shape, input1, input2_shape, input2, output_shape, output, p, sub_row_s16);
}

static void sub_eval(const th_op_ctx *ctx)
{
    th_sub_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_binary_eval(ctx, &p, sub_row, TH_INT16_KERNEL(sub_row_s16));
}

const th_op_kernel TH_OP_KERNEL(SUB) = {2, 2, 1, 1, th_add_sub_validate, sub_eval, NULL};
