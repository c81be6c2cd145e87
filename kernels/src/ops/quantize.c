/* QUANTIZE between integer types, as TFLM's EvalQuantizeReference: the
 * requantization out = clamp(MultiplyByQuantizedMultiplier(in - input_zp,
 * multiplier, shift) + output_zp) to the output type.  The pairs are TFLM's:
 * int8 -> int8, uint8, int16, int32; uint8 -> int8; int16 -> int8, int16, int32.
 * (TFLM's int8 <-> uint8 XOR fast path gives the same bytes as this formula.)
 * float32 -> integer at a model's input runs outside the engine (the boundary
 * conversion), so the engine keeps no float. */
#include <string.h>

#include "../th_op.h"
#include "tinyhil/th_fixedpoint.h"

static int32_t load_element(uint8_t dtype, const void *data, size_t i)
{
    switch (dtype) {
    case TH_DTYPE_INT8: return ((const int8_t *)data)[i];
    case TH_DTYPE_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i]; /* TH_DTYPE_INT16: validate admits nothing else */
    }
}

void th_requantize(const th_quantize_params *p, size_t count, uint8_t input_dtype, const void *input,
                   uint8_t output_dtype, void *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled =
            th_multiply_by_quantized_multiplier(load_element(input_dtype, input, i) - p->input_zero_point,
                                                p->multiplier, p->shift);
        const int32_t value = th_add_wrap(scaled, p->output_zero_point);
        switch (output_dtype) {
        case TH_DTYPE_INT8: ((int8_t *)output)[i] = (int8_t)th_clamp(value, INT8_MIN, INT8_MAX); break;
        case TH_DTYPE_UINT8: ((uint8_t *)output)[i] = (uint8_t)th_clamp(value, 0, UINT8_MAX); break;
        case TH_DTYPE_INT16: ((int16_t *)output)[i] = (int16_t)th_clamp(value, INT16_MIN, INT16_MAX); break;
        default: ((int32_t *)output)[i] = value; break; /* TH_DTYPE_INT32 */
        }
    }
}

#if TH_FLOAT_IO
/* float32 -> integer as the wheel's AffineQuantize computes it: the division in
 * float32, rounded half away from zero, then the conversion to int32 as its x86
 * build does it (a NaN or a quotient outside int32 becomes INT32_MIN; Arm's VCVT
 * would saturate), so even those inputs agree with the golden. */
static int32_t quantize_f32_element(float x, float scale)
{
    const float q = x / scale;
    if (!(q > -8388608.0f && q < 8388608.0f)) {
        /* |q| >= 2^23 is already an integer (or NaN/inf): no rounding to do. */
        return (q >= -2147483648.0f && q < 2147483648.0f) ? (int32_t)q : INT32_MIN;
    }
    /* roundf without libm: truncate, then step away from zero on a fraction of a half or more
     * (q - truncated is exact in float32 below 2^23). */
    {
        const int32_t truncated = (int32_t)q;
        const float fraction = q - (float)truncated;
        return truncated + (fraction >= 0.5f ? 1 : 0) - (fraction <= -0.5f ? 1 : 0);
    }
}

void th_quantize_f32(const th_quantize_params *p, size_t count, const float *input, uint8_t output_dtype,
                     void *output)
{
    float scale;
    size_t i;
    memcpy(&scale, &p->output_scale_f32, sizeof scale);
    for (i = 0; i < count; ++i) {
        const int32_t value = th_add_wrap(quantize_f32_element(input[i], scale), p->output_zero_point);
        if (output_dtype == TH_DTYPE_INT8) {
            ((int8_t *)output)[i] = (int8_t)th_clamp(value, INT8_MIN, INT8_MAX);
        } else {
            ((int16_t *)output)[i] = (int16_t)th_clamp(value, INT16_MIN, INT16_MAX);
        }
    }
}
#endif

/* --- glue --- */

static int supported_pair(uint8_t in, uint8_t out)
{
    switch (in) {
    case TH_DTYPE_INT8:
        return out == TH_DTYPE_INT8 || out == TH_DTYPE_UINT8 || out == TH_DTYPE_INT16 || out == TH_DTYPE_INT32;
    case TH_DTYPE_UINT8: return out == TH_DTYPE_INT8;
    case TH_DTYPE_INT16: return out == TH_DTYPE_INT8 || out == TH_DTYPE_INT16 || out == TH_DTYPE_INT32;
    default: return 0;
    }
}

static int32_t dtype_min(uint8_t dtype)
{
    return dtype == TH_DTYPE_INT8 ? INT8_MIN : dtype == TH_DTYPE_INT16 ? INT16_MIN : dtype == TH_DTYPE_UINT8 ? 0 : INT32_MIN;
}

static int32_t dtype_max(uint8_t dtype)
{
    return dtype == TH_DTYPE_INT8 ? INT8_MAX : dtype == TH_DTYPE_INT16 ? INT16_MAX : dtype == TH_DTYPE_UINT8 ? UINT8_MAX : INT32_MAX;
}

/* Fields every QUANTIZE checks: the zero points as the tensors say. */
static th_status check_zero_points(const th_op_ctx *ctx, const th_quantize_params *p, th_error *err)
{
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_status status = TH_CHECK_PARAM(ctx, *p, input_zero_point, in->zero_point, in->zero_point, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, *p, output_zero_point, out->zero_point, out->zero_point, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, *p, output_zero_point, dtype_min(out->dtype), dtype_max(out->dtype), err);
    }
    return status;
}

/* float32 -> int8/int16 at a model input: only in a TH_FLOAT_IO build. */
static th_status validate_from_float(const th_op_ctx *ctx, const th_quantize_params *p, th_error *err)
{
    const th_tensor *out = ctx->output;
    th_status status;
    if (!TH_FLOAT_IO) {
        return th_op_fail(ctx, err, TH_ERR_NO_FLOAT_IO, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8,
                          TH_DTYPE_FLOAT32);
    }
    if (out->dtype != TH_DTYPE_INT8 && out->dtype != TH_DTYPE_INT16) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8, out->dtype);
    }
    status = check_zero_points(ctx, p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, *p, multiplier, 0, 0, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, *p, shift, 0, 0, err);
    }
    if (status == TH_OK) {
        /* The bits of a positive, normal, finite float32. */
        status = TH_CHECK_PARAM(ctx, *p, output_scale_f32, 0x00800000, 0x7F7FFFFF, err);
    }
    return status;
}

static th_status quantize_validate(const th_op_ctx *ctx, th_error *err)
{
    th_quantize_params p;
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_status status;
    if (in == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (th_tensor_elements(out) != th_tensor_elements(in)) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES,
                          th_tensor_elements(in), th_tensor_elements(out));
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    if (in->dtype == TH_DTYPE_FLOAT32) {
        return validate_from_float(ctx, &p, err);
    }
    if (!supported_pair(in->dtype, out->dtype)) {
        /* Name the side that is wrong: an input type no pair starts from, else the output. */
        const int input_ok = in->dtype == TH_DTYPE_INT8 || in->dtype == TH_DTYPE_UINT8 || in->dtype == TH_DTYPE_INT16;
        return input_ok ? th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE,
                                     in->dtype == TH_DTYPE_UINT8 ? TH_DTYPE_INT8 : in->dtype, out->dtype)
                        : th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE,
                                     TH_DTYPE_INT8, in->dtype);
    }
    status = check_zero_points(ctx, &p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, dtype_min(in->dtype), dtype_max(in->dtype), err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, shift, -31, 30, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_scale_f32, 0, 0, err);
    }
    return status;
}

static void quantize_eval(const th_op_ctx *ctx)
{
    th_quantize_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
#if TH_FLOAT_IO
    if (ctx->inputs[0]->dtype == TH_DTYPE_FLOAT32) {
        th_quantize_f32(&p, (size_t)th_tensor_elements(ctx->output), (const float *)ctx->inputs[0]->data,
                        ctx->output->dtype, ctx->output->data);
        return;
    }
#endif
    th_requantize(&p, (size_t)th_tensor_elements(ctx->output), ctx->inputs[0]->dtype, ctx->inputs[0]->data,
                  ctx->output->dtype, ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(QUANTIZE) = {1, 1, 1, 1, quantize_validate, quantize_eval, NULL};
