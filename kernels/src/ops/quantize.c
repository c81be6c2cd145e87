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

static th_status quantize_validate(const th_op_ctx *ctx, th_error *err)
{
    th_quantize_params p;
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_status status;
    if (in == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (!supported_pair(in->dtype, out->dtype)) {
        /* Name the side that is wrong: an input type no pair starts from, else the output. */
        const int input_ok = in->dtype == TH_DTYPE_INT8 || in->dtype == TH_DTYPE_UINT8 || in->dtype == TH_DTYPE_INT16;
        return input_ok ? th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE,
                                     in->dtype == TH_DTYPE_UINT8 ? TH_DTYPE_INT8 : in->dtype, out->dtype)
                        : th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE,
                                     TH_DTYPE_INT8, in->dtype);
    }
    if (th_tensor_elements(out) != th_tensor_elements(in)) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES,
                          th_tensor_elements(in), th_tensor_elements(out));
    }
    status = th_op_params(ctx, &p, sizeof p, err);
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, in->zero_point, in->zero_point, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_zero_point, out->zero_point, out->zero_point, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, input_zero_point, dtype_min(in->dtype), dtype_max(in->dtype), err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, output_zero_point, dtype_min(out->dtype), dtype_max(out->dtype), err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err);
    }
    if (status == TH_OK) {
        status = TH_CHECK_PARAM(ctx, p, shift, -31, 30, err);
    }
    return status;
}

static void quantize_eval(const th_op_ctx *ctx)
{
    th_quantize_params p;
    memcpy(&p, ctx->params, sizeof p); /* size checked in validate */
    th_requantize(&p, (size_t)th_tensor_elements(ctx->output), ctx->inputs[0]->dtype, ctx->inputs[0]->data,
                  ctx->output->dtype, ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(QUANTIZE) = {1, 1, 1, 1, quantize_validate, quantize_eval, NULL};
