/* TRANSPOSE_CONV, int8: byte-exact with TFLM's reference_integer_ops::TransposeConv.
 * Every input pixel scatters filter * (input - zero point) into an int32
 * accumulator per output value (the caller's scratch, zeroed first); then each
 * accumulator gets the bias, its channel's requantization (or the per-tensor
 * one), the output zero point and the fused-activation clamp.  The pinned TFLM
 * applies the op's fused activation to int8 outputs.  The accumulators wrap
 * modulo 2^32 as TFLM's int32 sums do, so the order of the sums is free: the
 * products of one input pixel and one filter tap are summed over the input
 * channels before they are added to the accumulator. */
#include <string.h>

#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"

enum { TC_INPUT = 0, TC_FILTER = 1, TC_BIAS = 2 };

/* Bounds that keep every index and the accumulators exact: an output value
 * sums at most in_c * filter_h * filter_w products of |127 * 255|, so 65536 fit. */
#define TC_MAX_STRIDE 1024
#define TC_MAX_ACCUM_DEPTH 65536

/* What the plan stores at params_offset for this op. */
typedef struct {
    th_transpose_conv_params tc;
    th_quant_ref quant;
} tc_plan_params;

uint32_t th_transpose_conv_s8_scratch_bytes(const th_dims *output)
{
    const uint64_t bytes = (uint64_t)output->n * (uint64_t)output->h * (uint64_t)output->w *
                           (uint64_t)output->c * sizeof(int32_t);
    return bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}

void th_transpose_conv_s8(const th_transpose_conv_params *p, const th_channel_quant *q, th_scratch scratch,
                          const th_dims *input_dims, const int8_t *input,
                          const th_dims *filter_dims, const int8_t *filter,
                          const int32_t *bias,
                          const th_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t filter_h = filter_dims->h, filter_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const size_t out_count = (size_t)output_dims->n * out_h * out_w * out_c;
    int32_t *acc = (int32_t *)scratch.buf;
    memset(acc, 0, out_count * sizeof(int32_t));

    for (int32_t batch = 0; batch < output_dims->n; ++batch) {
        const int8_t *input_batch = input + (size_t)batch * in_h * in_w * in_c;
        int32_t *acc_batch = acc + (size_t)batch * out_h * out_w * out_c;
        for (int32_t in_y = 0; in_y < in_h; ++in_y) {
            const int32_t out_y_origin = in_y * p->stride_h - p->pad_h;
            for (int32_t in_x = 0; in_x < in_w; ++in_x) {
                const int32_t out_x_origin = in_x * p->stride_w - p->pad_w;
                const int8_t *in_px = input_batch + ((size_t)in_y * in_w + in_x) * in_c;
                for (int32_t fy = 0; fy < filter_h; ++fy) {
                    const int32_t out_y = out_y_origin + fy;
                    if (out_y < 0 || out_y >= out_h) {
                        continue; /* TFLM accumulates only inside the output */
                    }
                    for (int32_t fx = 0; fx < filter_w; ++fx) {
                        const int32_t out_x = out_x_origin + fx;
                        if (out_x < 0 || out_x >= out_w) {
                            continue;
                        }
                        int32_t *out_px = acc_batch + ((size_t)out_y * out_w + out_x) * out_c;
                        for (int32_t oc = 0; oc < out_c; ++oc) {
                            const int8_t *f_px = filter + (((size_t)oc * filter_h + fy) * filter_w + fx) * in_c;
                            int32_t sum = 0;
                            for (int32_t ic = 0; ic < in_c; ++ic) {
                                sum = th_add_wrap(sum, f_px[ic] * (in_px[ic] + p->input_offset));
                            }
                            out_px[oc] = th_add_wrap(out_px[oc], sum);
                        }
                    }
                }
            }
        }
    }

    const int per_channel = q->count > 1;
    for (size_t i = 0; i < out_count; ++i) {
        const int32_t channel = (int32_t)(i % (size_t)out_c);
        int32_t value = acc[i];
        if (bias != NULL) {
            value = th_add_wrap(value, bias[channel]);
        }
        const int32_t qi = per_channel ? channel : 0;
        const th_quant qc = th_quant_at(q, qi);
        value = th_multiply_by_quantized_multiplier(value, qc.multiplier, qc.shift);
        value = th_add_wrap(value, p->output_offset);
        output[i] = (int8_t)th_clamp(value, p->act_min, p->act_max);
    }
}

/* --- plan glue ----------------------------------------------------------- */

static th_status check_tensor(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype,
                              th_error *err)
{
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    if (dtype == TH_DTYPE_INT8 && t->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_RANK, 4, t->rank);
    }
    return TH_OK;
}

/* TFLM's ComputePaddingHeightWidth for one axis of the *output* (its Prepare
 * passes the output's size as the image size): the leading pad for SAME
 * (`same` 1) or VALID.  C's truncating division, as TFLM's ComputeOutSize. */
static int64_t tflm_pad(int32_t out, int32_t filter, int32_t stride, int same)
{
    const int64_t windows = same ? ((int64_t)out + stride - 1) / stride : ((int64_t)out - filter + stride) / stride;
    const int64_t total = (windows - 1) * stride + filter - out;
    return total > 0 ? total / 2 : 0;
}

/* One spatial axis: the pad is SAME's or VALID's for this output size, and every
 * output coordinate the kernel forms, up to (in - 1) * stride + filter, fits int32. */
static th_status check_axis(const th_op_ctx *ctx, uint32_t pad_field_offset, int32_t in, int32_t filter,
                            int32_t stride, int32_t pad, int32_t out, th_error *err)
{
    const int64_t same_pad = tflm_pad(out, filter, stride, 1);
    const int64_t valid_pad = tflm_pad(out, filter, stride, 0);
    if (pad != same_pad && pad != valid_pad) {
        const th_status status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, same_pad, pad);
        if (err != NULL) {
            err->byte_offset += pad_field_offset;
        }
        return status;
    }
    if ((int64_t)(in - 1) * stride + filter > INT32_MAX) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[TC_INPUT], TH_FIELD_DIM, INT32_MAX,
                          (int64_t)(in - 1) * stride + filter);
    }
    return TH_OK;
}

static uint32_t tc_scratch_bytes(const th_op_ctx *ctx)
{
    const th_dims out = th_tensor_dims(ctx->output);
    return th_transpose_conv_s8_scratch_bytes(&out);
}

static th_status tc_validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[TC_INPUT];
    const th_tensor *filter = ctx->inputs[TC_FILTER];
    const th_tensor *bias = ctx->inputs[TC_BIAS];
    const th_tensor *output = ctx->output;
    const int32_t filter_index = ctx->input_index[TC_FILTER];
    tc_plan_params pp;
    th_channel_quant quant;
    th_status s;

    if ((s = check_tensor(ctx, input, ctx->input_index[TC_INPUT], TH_DTYPE_INT8, err)) != TH_OK ||
        (s = check_tensor(ctx, filter, filter_index, TH_DTYPE_INT8, err)) != TH_OK ||
        (s = check_tensor(ctx, output, ctx->output_index, TH_DTYPE_INT8, err)) != TH_OK ||
        (bias != NULL && (s = check_tensor(ctx, bias, ctx->input_index[TC_BIAS], TH_DTYPE_INT32, err)) != TH_OK)) {
        return s;
    }
    const th_dims in = th_tensor_dims(input), f = th_tensor_dims(filter), out = th_tensor_dims(output);
    if (out.n != in.n) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in.n, out.n);
    }
    if (f.n != out.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, out.c, f.n);
    }
    if (f.c != in.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, in.c, f.c);
    }
    const int64_t accum_depth = (int64_t)f.h * f.w * f.c;
    if (accum_depth > TC_MAX_ACCUM_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, TC_MAX_ACCUM_DEPTH, accum_depth);
    }
    if (bias != NULL && th_tensor_elements(bias) != out.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[TC_BIAS], TH_FIELD_DIM, out.c,
                          th_tensor_elements(bias));
    }
    /* The runtime checked the scratch's size against tc_scratch_bytes; it holds int32s. */
    if (((uintptr_t)ctx->scratch.buf % sizeof(int32_t)) != 0) {
        return th_op_fail(ctx, err, TH_ERR_BOUNDS, -1, TH_FIELD_OFFSET, 0,
                          (int64_t)((uintptr_t)ctx->scratch.buf % sizeof(int32_t)));
    }

    if ((s = th_op_params(ctx, &pp, sizeof(pp), err)) != TH_OK) {
        return s;
    }
    const th_transpose_conv_params *p = &pp.tc;
    if ((int64_t)p->input_offset != -(int64_t)input->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->input_index[TC_INPUT], TH_FIELD_PARAM,
                          -(int64_t)input->zero_point, p->input_offset);
    }
    if (p->output_offset != output->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->output_index, TH_FIELD_PARAM, output->zero_point,
                          p->output_offset);
    }
    if ((s = TH_CHECK_PARAM(ctx, *p, input_offset, -127, 128, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, output_offset, -128, 127, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, stride_h, 1, TC_MAX_STRIDE, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, stride_w, 1, TC_MAX_STRIDE, err)) != TH_OK ||
        (s = TH_CHECK_ACTIVATION(ctx, *p, err)) != TH_OK) {
        return s;
    }
    if ((s = check_axis(ctx, TH_FIELD_OFFSET(*p, pad_h), in.h, f.h, p->stride_h, p->pad_h, out.h, err)) != TH_OK ||
        (s = check_axis(ctx, TH_FIELD_OFFSET(*p, pad_w), in.w, f.w, p->stride_w, p->pad_w, out.w, err)) != TH_OK) {
        return s;
    }
    return th_op_check_quant(ctx, &pp.quant, out.c, &quant, err);
}

static void tc_eval(const th_op_ctx *ctx)
{
    tc_plan_params pp;
    th_channel_quant quant;
    memcpy(&pp, ctx->params, sizeof(pp)); /* size and bounds checked in validate */
    th_op_quant(ctx, &pp.quant, &quant);

    const th_tensor *bias = ctx->inputs[TC_BIAS];
    const th_dims in = th_tensor_dims(ctx->inputs[TC_INPUT]);
    const th_dims f = th_tensor_dims(ctx->inputs[TC_FILTER]);
    const th_dims out = th_tensor_dims(ctx->output);
    th_transpose_conv_s8(&pp.tc, &quant, ctx->scratch, &in, (const int8_t *)ctx->inputs[TC_INPUT]->data, &f,
                         (const int8_t *)ctx->inputs[TC_FILTER]->data,
                         bias != NULL ? (const int32_t *)bias->data : NULL, &out, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(TRANSPOSE_CONV) = {2, 3, 1, 1, tc_validate, tc_eval, tc_scratch_bytes};
