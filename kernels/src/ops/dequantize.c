/* DEQUANTIZE to float32 at a model output, as TFLM's: scale * (q - zero_point)
 * rounded once to float32.  The product of a float32 scale and a 17-bit integer
 * is exact in double, so one float32 multiply gives TFLM's double-then-float bits.
 * Built only with TH_FLOAT_IO (boards with an FPU); the default build refuses
 * the op at load with TH_ERR_NO_FLOAT_IO, and the host side of the link converts. */
#include <string.h>

#include "../th_op.h"

#if TH_FLOAT_IO
void th_dequantize_f32(const th_dequantize_params *p, size_t count, uint8_t input_dtype, const void *input,
                       float *output)
{
    float scale;
    size_t i;
    memcpy(&scale, &p->input_scale_f32, sizeof scale);
    for (i = 0; i < count; ++i) {
        int32_t q;
        switch (input_dtype) {
        case TH_DTYPE_INT8: q = ((const int8_t *)input)[i]; break;
        case TH_DTYPE_UINT8: q = ((const uint8_t *)input)[i]; break;
        default: q = ((const int16_t *)input)[i]; break; /* TH_DTYPE_INT16 */
        }
        output[i] = scale * (float)(q - p->input_zero_point);
    }
}
#endif

static th_status dequantize_validate(const th_op_ctx *ctx, th_error *err)
{
    th_dequantize_params p;
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_status status;
    if (in == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (out->dtype != TH_DTYPE_FLOAT32) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_FLOAT32,
                          out->dtype);
    }
    if (!TH_FLOAT_IO) {
        return th_op_fail(ctx, err, TH_ERR_NO_FLOAT_IO, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8,
                          TH_DTYPE_FLOAT32);
    }
    if (in->dtype != TH_DTYPE_INT8 && in->dtype != TH_DTYPE_UINT8 && in->dtype != TH_DTYPE_INT16) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8,
                          in->dtype);
    }
    if (th_tensor_elements(out) != th_tensor_elements(in)) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES, th_tensor_elements(in),
                          th_tensor_elements(out));
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, in->zero_point, in->zero_point, err);
    }
    if (status == TH_OK) {
        /* The bits of a positive, normal, finite float32. */
        status = TH_CHECK_PARAM(ctx, p, input_scale_f32, 0x00800000, 0x7F7FFFFF, err);
    }
    return status;
}

static void dequantize_eval(const th_op_ctx *ctx)
{
#if TH_FLOAT_IO
    th_dequantize_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_dequantize_f32(&p, (size_t)th_tensor_elements(ctx->output), ctx->inputs[0]->dtype, ctx->inputs[0]->data,
                      (float *)ctx->output->data);
#else
    (void)ctx; /* validate refuses the op in this build */
#endif
}

const th_op_kernel TH_OP_KERNEL(DEQUANTIZE) = {1, 1, 1, 1, dequantize_validate, dequantize_eval, NULL};
