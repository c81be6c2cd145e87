/* Plan glue shared by the windowed ops with weights (CONV_2D, DEPTHWISE_CONV_2D). */
#include <string.h>

#include "conv_window.h"

th_status th_conv_check_tensor(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype,
                              th_error *err)
{
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    if ((dtype == TH_DTYPE_INT8 || dtype == TH_DTYPE_INT16) && t->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_RANK, 4, t->rank);
    }
    return TH_OK;
}

/* One spatial axis must be what TFLM's ComputePaddingHeightWidth gives for
 * SAME (pad = total // 2) or VALID (pad 0), and every input coordinate the
 * kernel forms, up to (out - 1) * stride + effective filter, must fit in int32. */
th_status th_conv_check_axis(const th_op_ctx *ctx, int32_t filter_index, uint32_t pad_field_offset, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                            int32_t pad, int32_t out, th_error *err)
{
    const int64_t effective = (int64_t)(filter - 1) * dilation + 1;
    const int64_t same_out = ((int64_t)in + stride - 1) / stride;
    const int64_t same_total = (same_out - 1) * stride + effective - in;
    const int64_t same_pad = same_total > 0 ? same_total / 2 : 0;
    const int valid_possible = in >= effective;
    const int64_t valid_out = valid_possible ? (in - effective) / stride + 1 : 0;

    if (out != same_out && !(valid_possible && out == valid_out)) {
        const int64_t expected = (pad == 0 && valid_possible) ? valid_out : same_out;
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected, out);
    }
    const int pad_ok = (out == same_out && pad == same_pad) || (valid_possible && out == valid_out && pad == 0);
    if (!pad_ok) {
        const th_status status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM,
                                            out == same_out ? same_pad : 0, pad);
        if (err != NULL) {
            err->byte_offset += pad_field_offset;
        }
        return status;
    }
    if ((int64_t)(out - 1) * stride + effective > INT32_MAX) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, INT32_MAX,
                          (int64_t)(out - 1) * stride + effective);
    }
    return TH_OK;
}

/* CONV_2D and DEPTHWISE_CONV_2D check the same things in the same order; where
 * they differ (the filter's shape, the accumulation depth, the depth
 * multiplier) `depthwise` says which op this is. */
th_status th_conv_validate(const th_op_ctx *ctx, int depthwise, th_error *err)
{
    const th_tensor *input = ctx->inputs[TH_CONV_INPUT];
    const th_tensor *filter = ctx->inputs[TH_CONV_FILTER];
    const th_tensor *bias = ctx->inputs[TH_CONV_BIAS];
    const th_tensor *output = ctx->output;
    const int32_t filter_index = ctx->input_index[TH_CONV_FILTER];
    th_conv_plan_params pp;
    th_channel_quant quant;
    th_status s;

    /* int8, or 16x8: int16 activations with an int64 or int32 bias (depthwise: int64 only, as TFLM). */
    const int s16 = TH_IS_INT16(input->dtype);
    const uint8_t act_dtype = s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8;
    const uint8_t bias_dtype = (s16 && (depthwise || bias == NULL || bias->dtype != TH_DTYPE_INT32))
                                   ? TH_DTYPE_INT64 : TH_DTYPE_INT32;
    if ((s = th_conv_check_tensor(ctx, input, ctx->input_index[TH_CONV_INPUT], act_dtype, err)) != TH_OK ||
        (s = th_conv_check_tensor(ctx, filter, filter_index, TH_DTYPE_INT8, err)) != TH_OK ||
        (s = th_conv_check_tensor(ctx, output, ctx->output_index, act_dtype, err)) != TH_OK ||
        (bias != NULL &&
         (s = th_conv_check_tensor(ctx, bias, ctx->input_index[TH_CONV_BIAS], bias_dtype, err)) != TH_OK)) {
        return s;
    }
    const th_dims in = th_tensor_dims(input), f = th_tensor_dims(filter), out = th_tensor_dims(output);
    if (out.n != in.n) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in.n, out.n);
    }
    if (depthwise) {
        if (f.n != 1) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, 1, f.n);
        }
        if (f.c != out.c) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, out.c, f.c);
        }
    } else {
        if (f.n != out.c) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, out.c, f.n);
        }
        /* Grouped convolution: the input depth is a whole number of filter depths,
         * and the output channels split evenly between the groups. */
        if (in.c % f.c != 0 || out.c % (in.c / f.c) != 0) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, in.c, f.c);
        }
    }
    const int64_t accum_depth = (int64_t)f.h * f.w * (depthwise ? 1 : f.c);
    if (accum_depth > TH_CONV_MAX_ACCUM_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, TH_CONV_MAX_ACCUM_DEPTH, accum_depth);
    }
    if (bias != NULL && th_tensor_elements(bias) != out.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[TH_CONV_BIAS], TH_FIELD_DIM, out.c,
                          th_tensor_elements(bias));
    }

    if ((s = th_op_params(ctx, &pp, sizeof(pp), err)) != TH_OK) {
        return s;
    }
    const th_conv_params *p = &pp.conv;
    /* The offsets are the tensors' zero points, which TFLite keeps in int8 range. */
    if ((int64_t)p->input_offset != -(int64_t)input->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->input_index[TH_CONV_INPUT], TH_FIELD_PARAM,
                          -(int64_t)input->zero_point, p->input_offset);
    }
    if (p->output_offset != output->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->output_index, TH_FIELD_PARAM, output->zero_point,
                          p->output_offset);
    }
    /* int16 tensors are symmetric (zero point 0): TFLM's 16x8 kernels have no offsets. */
    if ((s = TH_CHECK_PARAM(ctx, *p, input_offset, s16 ? 0 : -127, s16 ? 0 : 128, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, output_offset, s16 ? 0 : -128, s16 ? 0 : 127, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, stride_h, 1, TH_CONV_MAX_STRIDE, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, stride_w, 1, TH_CONV_MAX_STRIDE, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, dilation_h, 1, TH_CONV_MAX_DILATION, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, dilation_w, 1, TH_CONV_MAX_DILATION, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, depth_multiplier, 1, depthwise ? out.c : 1, err)) != TH_OK ||
        (s = th_check_activation_for(ctx, act_dtype, TH_FIELD_OFFSET(*p, act_min), TH_FIELD_OFFSET(*p, act_max),
                                     p->act_min, p->act_max, err)) != TH_OK) {
        return s;
    }
    if (depthwise && (int64_t)in.c * p->depth_multiplier != out.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM,
                          (int64_t)in.c * p->depth_multiplier, out.c);
    }
    if ((s = th_conv_check_axis(ctx, filter_index, TH_FIELD_OFFSET(*p, pad_h), in.h, f.h, p->stride_h,
                                p->dilation_h, p->pad_h, out.h, err)) != TH_OK ||
        (s = th_conv_check_axis(ctx, filter_index, TH_FIELD_OFFSET(*p, pad_w), in.w, f.w, p->stride_w,
                                p->dilation_w, p->pad_w, out.w, err)) != TH_OK) {
        return s;
    }
    if ((s = th_op_check_quant(ctx, &pp.quant, out.c, &quant, err)) != TH_OK) {
        return s;
    }
    return s16 ? th_check_quant_s16(ctx, &quant, bias, err) : TH_OK;
}

th_bias16 th_bias16_of(const th_tensor *bias)
{
    th_bias16 b = {NULL, NULL};
    if (bias != NULL && bias->dtype == TH_DTYPE_INT32) {
        b.bias32 = (const int32_t *)bias->data;
    } else if (bias != NULL) {
        b.bias64 = (const int64_t *)bias->data;
    }
    return b;
}

th_status th_check_quant_s16(const th_op_ctx *ctx, const th_channel_quant *q, const th_tensor *bias, th_error *err)
{
    if (bias != NULL && bias->dtype == TH_DTYPE_INT32) {
        return TH_OK; /* the int32 requantization, as int8 */
    }
    th_status s = TH_OK;
    for (int32_t c = 0; c < q->count && s == TH_OK; ++c) {
        s = th_op_check_range(ctx, th_quant_at(q, c).shift, -31, 7, err);
    }
    return s;
}

void th_conv_eval(const th_op_ctx *ctx, th_conv_kernel kernel, th_conv_kernel_s16 kernel16)
{
    th_conv_plan_params pp;
    th_channel_quant quant;
    memcpy(&pp, ctx->params, sizeof(pp)); /* size and bounds checked in validate */
    th_op_quant(ctx, &pp.quant, &quant);

    const th_tensor *bias = ctx->inputs[TH_CONV_BIAS];
    const th_dims in = th_tensor_dims(ctx->inputs[TH_CONV_INPUT]);
    const th_dims f = th_tensor_dims(ctx->inputs[TH_CONV_FILTER]);
    const th_dims out = th_tensor_dims(ctx->output);
    if (TH_IS_INT16(ctx->inputs[TH_CONV_INPUT]->dtype)) {
        kernel16(&pp.conv, &quant, &in, (const int16_t *)ctx->inputs[TH_CONV_INPUT]->data, &f,
                 (const int8_t *)ctx->inputs[TH_CONV_FILTER]->data, th_bias16_of(bias), &out,
                 (int16_t *)ctx->output->data);
        return;
    }
    kernel(&pp.conv, &quant, ctx->scratch, &in, (const int8_t *)ctx->inputs[TH_CONV_INPUT]->data, &f,
           (const int8_t *)ctx->inputs[TH_CONV_FILTER]->data, bias != NULL ? (const int32_t *)bias->data : NULL, &out,
           (int8_t *)ctx->output->data);
}

uint32_t th_conv_scratch_bytes(const th_op_ctx *ctx, th_conv_scratch_query query)
{
    if (TH_IS_INT16(ctx->inputs[TH_CONV_INPUT]->dtype)) {
        return 0; /* the 16x8 kernels are the portable reference loops */
    }
    const th_dims in = th_tensor_dims(ctx->inputs[TH_CONV_INPUT]);
    const th_dims f = th_tensor_dims(ctx->inputs[TH_CONV_FILTER]);
    const th_dims out = th_tensor_dims(ctx->output);
    if (ctx->record.params_bytes < sizeof(th_conv_plan_params)) {
        return 0; /* validate refuses the op */
    }
    th_conv_plan_params pp;
    memcpy(&pp, ctx->params, sizeof(pp));
    return query(&pp.conv, ctx->inputs[TH_CONV_BIAS] != NULL, &in, &f, &out);
}
