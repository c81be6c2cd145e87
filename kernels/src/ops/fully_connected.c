/* FULLY_CONNECTED, int8 and 16x8: byte-exact with TFLM's reference_integer_ops
 * FullyConnected (per-tensor filter) and FullyConnectedPerChannel.  The two
 * differ only in where the multiplier/shift come from and in the filter
 * offset, which the per-channel kernel ignores; validate requires it to be 0
 * there, so one loop serves both. */
#include <string.h>

#include "conv_window.h"
#include "dsp_s8.h"
#include "tinyhil/th_fixedpoint.h"

enum { FC_INPUT = 0, FC_FILTER = 1, FC_BIAS = 2 };

/* Keeps the accumulation TFLM does in int32 from overflowing for symmetric
 * filters: |filter * (input - zero point)| <= 128 * 255, 65536 of them fit. */
#define FC_MAX_ACCUM_DEPTH 65536

/* What the plan stores at params_offset for this op. */
typedef struct {
    th_fc_params fc;
    th_quant_ref quant;
} fc_plan_params;

#if !TH_KERNELS_DSP /* else the variant in fully_connected_dsp.c */
uint32_t th_fully_connected_s8_scratch_bytes(const th_fc_params *p, int32_t quant_count, int has_bias,
                                             int32_t accum_depth, int32_t output_depth)
{
    (void)p;
    (void)quant_count;
    (void)has_bias;
    (void)accum_depth;
    (void)output_depth;
    return 0;
}

void th_fully_connected_s8(const th_fc_params *p, const th_channel_quant *q, th_scratch scratch,
                           int32_t batches, int32_t accum_depth, int32_t output_depth,
                           const int8_t *input, const int8_t *filter, const int32_t *bias,
                           int8_t *output)
{
    (void)scratch;
    const int per_channel = q->count > 1;
    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *row = input + (size_t)b * accum_depth;
        for (int32_t oc = 0; oc < output_depth; ++oc) {
            const int8_t *weights = filter + (size_t)oc * accum_depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < accum_depth; ++d) {
                acc = th_add_wrap(acc, (weights[d] + p->filter_offset) * (row[d] + p->input_offset));
            }
            if (bias != NULL) {
                acc = th_add_wrap(acc, bias[oc]);
            }
            const int32_t qi = per_channel ? oc : 0;
            const th_quant qc = th_quant_at(q, qi);
            acc = th_multiply_by_quantized_multiplier(acc, qc.multiplier, qc.shift);
            acc = th_add_wrap(acc, p->output_offset);
            output[(size_t)b * output_depth + oc] = (int8_t)th_clamp(acc, p->act_min, p->act_max);
        }
    }
}
#endif

/* 16x8: TFLM's int16 FullyConnected(PerChannel): no zero points, the int32
 * or int64 accumulator as th_output_s16 says. */
void th_fully_connected_s16(const th_fc_params *p, const th_channel_quant *q,
                            int32_t batches, int32_t accum_depth, int32_t output_depth,
                            const int16_t *input, const int8_t *filter, th_bias16 bias,
                            int16_t *output)
{
    for (int32_t b = 0; b < batches; ++b) {
        const int16_t *row = input + (size_t)b * accum_depth;
        for (int32_t oc = 0; oc < output_depth; ++oc) {
            const int8_t *weights = filter + (size_t)oc * accum_depth;
            int64_t acc = 0;
            for (int32_t d = 0; d < accum_depth; ++d) {
                acc += (int32_t)weights[d] * row[d];
            }
            output[(size_t)b * output_depth + oc] = th_output_s16(q, bias, oc, acc, p->act_min, p->act_max);
        }
    }
}

/* --- plan glue ----------------------------------------------------------- */

/* The shape TFLM's kernel reads: the filter is [output_depth][accum_depth], the
 * output's last dim is output_depth and the rest are batches; the input is
 * read as [batches][accum_depth] whatever its rank. */
typedef struct {
    int32_t batches, accum_depth, output_depth;
} fc_shape;

static fc_shape fc_shape_of(const th_op_ctx *ctx)
{
    const th_tensor *filter = ctx->inputs[FC_FILTER];
    fc_shape s;
    s.output_depth = filter->dims[0];
    s.accum_depth = filter->dims[1];
    s.batches = th_tensor_elements(ctx->output) / s.output_depth;
    return s;
}

static th_status check_dtype(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype, th_error *err)
{
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    return TH_OK;
}

static th_status fc_validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *input = ctx->inputs[FC_INPUT];
    const th_tensor *filter = ctx->inputs[FC_FILTER];
    const th_tensor *bias = ctx->inputs[FC_BIAS];
    const th_tensor *output = ctx->output;
    const int32_t filter_index = ctx->input_index[FC_FILTER];
    fc_plan_params pp;
    th_channel_quant quant;
    th_status s;

    /* int8, or 16x8: int16 activations with an int64 or int32 bias. */
    const int s16 = TH_IS_INT16(input->dtype);
    const uint8_t act_dtype = s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8;
    const uint8_t bias_dtype = (s16 && bias != NULL && bias->dtype == TH_DTYPE_INT64) ? TH_DTYPE_INT64 : TH_DTYPE_INT32;
    if ((s = check_dtype(ctx, input, ctx->input_index[FC_INPUT], act_dtype, err)) != TH_OK ||
        (s = check_dtype(ctx, filter, filter_index, TH_DTYPE_INT8, err)) != TH_OK ||
        (s = check_dtype(ctx, output, ctx->output_index, act_dtype, err)) != TH_OK ||
        (bias != NULL && (s = check_dtype(ctx, bias, ctx->input_index[FC_BIAS], bias_dtype, err)) != TH_OK)) {
        return s;
    }
    if (filter->rank != 2) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_RANK, 2, filter->rank);
    }
    if (output->rank < 1) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, 2, output->rank);
    }
    const fc_shape shape = fc_shape_of(ctx);
    if (output->dims[output->rank - 1] != shape.output_depth) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, shape.output_depth,
                          output->dims[output->rank - 1]);
    }
    if ((int64_t)shape.batches * shape.accum_depth != th_tensor_elements(input)) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[FC_INPUT], TH_FIELD_DIM,
                          (int64_t)shape.batches * shape.accum_depth, th_tensor_elements(input));
    }
    if (shape.accum_depth > FC_MAX_ACCUM_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, filter_index, TH_FIELD_DIM, FC_MAX_ACCUM_DEPTH, shape.accum_depth);
    }
    if (bias != NULL && th_tensor_elements(bias) != shape.output_depth) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[FC_BIAS], TH_FIELD_DIM, shape.output_depth,
                          th_tensor_elements(bias));
    }

    if ((s = th_op_params(ctx, &pp, sizeof(pp), err)) != TH_OK) {
        return s;
    }
    const th_fc_params *p = &pp.fc;
    /* The offsets are the tensors' zero points, which TFLite keeps in int8 range. */
    if ((int64_t)p->input_offset != -(int64_t)input->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->input_index[FC_INPUT], TH_FIELD_PARAM,
                          -(int64_t)input->zero_point, p->input_offset);
    }
    if ((int64_t)p->filter_offset != -(int64_t)filter->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, filter_index, TH_FIELD_PARAM, -(int64_t)filter->zero_point,
                          p->filter_offset);
    }
    if (p->output_offset != output->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->output_index, TH_FIELD_PARAM, output->zero_point,
                          p->output_offset);
    }
    /* TFLM's per-channel kernel has no filter offset: only a zero one is the same computation. */
    /* The 16x8 kernel has no offsets at all: int16 zero points are 0, filters symmetric. */
    const int32_t max_filter_offset = (pp.quant.quant_count > 1 || s16) ? 0 : 128;
    const int32_t min_filter_offset = (pp.quant.quant_count > 1 || s16) ? 0 : -127;
    if ((s = TH_CHECK_PARAM(ctx, *p, input_offset, s16 ? 0 : -127, s16 ? 0 : 128, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, filter_offset, min_filter_offset, max_filter_offset, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, *p, output_offset, s16 ? 0 : -128, s16 ? 0 : 127, err)) != TH_OK ||
        (s = th_check_activation_for(ctx, act_dtype, TH_FIELD_OFFSET(*p, act_min), TH_FIELD_OFFSET(*p, act_max),
                                     p->act_min, p->act_max, err)) != TH_OK) {
        return s;
    }
    if ((s = th_op_check_quant(ctx, &pp.quant, shape.output_depth, &quant, err)) != TH_OK) {
        return s;
    }
    return s16 ? th_check_quant_s16(ctx, &quant, bias, err) : TH_OK;
}

static void fc_eval(const th_op_ctx *ctx)
{
    fc_plan_params pp;
    th_channel_quant quant;
    memcpy(&pp, ctx->params, sizeof(pp)); /* size and bounds checked in validate */
    th_op_quant(ctx, &pp.quant, &quant);

    const th_tensor *bias = ctx->inputs[FC_BIAS];
    const fc_shape shape = fc_shape_of(ctx);
    if (TH_IS_INT16(ctx->inputs[FC_INPUT]->dtype)) {
        th_fully_connected_s16(&pp.fc, &quant, shape.batches, shape.accum_depth, shape.output_depth,
                               (const int16_t *)ctx->inputs[FC_INPUT]->data,
                               (const int8_t *)ctx->inputs[FC_FILTER]->data, th_bias16_of(bias),
                               (int16_t *)ctx->output->data);
        return;
    }
    th_fully_connected_s8(&pp.fc, &quant, ctx->scratch, shape.batches, shape.accum_depth, shape.output_depth,
                          (const int8_t *)ctx->inputs[FC_INPUT]->data, (const int8_t *)ctx->inputs[FC_FILTER]->data,
                          bias != NULL ? (const int32_t *)bias->data : NULL, (int8_t *)ctx->output->data);
}

/* Called before validate: reads dims (always in range) and params (0 when they are too short). */
static uint32_t fc_scratch_bytes(const th_op_ctx *ctx)
{
    if (ctx->inputs[FC_INPUT]->dtype == TH_DTYPE_INT16 || ctx->record.params_bytes < sizeof(fc_plan_params)) {
        return 0; /* the 16x8 kernel is the reference loop; short params: validate refuses the op */
    }
    fc_plan_params pp;
    memcpy(&pp, ctx->params, sizeof(pp));
    const th_tensor *filter = ctx->inputs[FC_FILTER];
    return th_fully_connected_s8_scratch_bytes(&pp.fc, pp.quant.quant_count, ctx->inputs[FC_BIAS] != NULL,
                                               filter->dims[1], filter->dims[0]);
}

const th_op_kernel TH_OP_KERNEL(FULLY_CONNECTED) = {2, 3, 1, 1, fc_validate, fc_eval, fc_scratch_bytes};
