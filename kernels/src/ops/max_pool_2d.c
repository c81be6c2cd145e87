/* MAX_POOL_2D: byte-exact with TFLM's reference_integer_ops::MaxPool. */
#include "pool_window.h"

void th_max_pool2d_s8(const th_pool_params *p, const th_dims *input_dims, const int8_t *input,
                      const th_dims *output_dims, int8_t *output)
{
    th_pool2d_s8(TH_POOL_MAX, p, input_dims, input, output_dims, output);
}

/* Same params, shapes and checks as AVERAGE_POOL_2D (TFLM shares the Prepare). */
static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    return TH_OP_KERNEL(AVERAGE_POOL_2D).validate(ctx, err);
}

static void eval(const th_op_ctx *ctx)
{
    th_pool_eval(ctx, th_max_pool2d_s8);
}

const th_op_kernel TH_OP_KERNEL(MAX_POOL_2D) = {1, 1, validate, eval, NULL};
