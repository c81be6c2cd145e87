/* MEAN and SUM over any set of axes of an int8 tensor: byte-exact with TFLM's
 * int8 MEAN and SUM (reference_ops::QuantizedMeanOrSum, compute_sum false and
 * true).
 *
 * TFLM sums the raw int8 values per output, subtracts input_zero_point *
 * count, and requantizes once with QuantizeMultiplier(input_scale /
 * output_scale); for MEAN that multiplier is first adjusted to include
 * 1 / count.  The compiler does that adjustment in advance
 * (hil/compiler/ops/mean.py), so MEAN and SUM run the same kernel: one sum and
 * one requantization per output.  The output is the kept dims in row-major
 * order, whether the model keeps the reduced dims (as 1) or not. */
#include <string.h>

#include "th_op.h"
#include "reduce_iter.h"
#include "tinyhil/th_fixedpoint.h"

/* |sum - zero_point * count| <= 256 * count must fit in int32. */
#define TH_MEAN_MAX_COUNT (1 << 22)

static inline int8_t requantize(const th_mean_params *p, int32_t sum, int32_t centre)
{
    const int32_t scaled = th_multiply_by_quantized_multiplier(sum - centre, p->multiplier, p->shift);
    /* Wrapping add: defined for any multiplier, equal to TFLM's where TFLM is defined. */
    return (int8_t)th_clamp(th_add_wrap(scaled, p->output_zero_point), INT8_MIN, INT8_MAX);
}

void th_mean_block_s8(const th_mean_params *p, int32_t outer, int32_t count, int32_t inner, const int8_t *input,
                      int8_t *output)
{
    const int32_t centre = p->input_zero_point * count;
    const int8_t *block = input;
    for (int32_t b = 0; b < outer; ++b) {
        for (int32_t c = 0; c < inner; ++c) {
            const int8_t *x = block + c;
            int32_t sum = 0;
            for (int32_t i = 0; i < count; ++i) {
                sum += *x;
                x += inner;
            }
            *output++ = requantize(p, sum, centre);
        }
        block += count * inner;
    }
}

void th_mean_s8(const th_mean_params *p, const th_reduce_shape *s, const int8_t *input, int8_t *output)
{
    if (s->num_reduced <= 1) {
        const int32_t inner = s->num_reduced == 1 ? s->reduced_strides[0] : 1;
        th_mean_block_s8(p, s->outputs / inner, s->count, inner, input, output);
        return;
    }
    /* Reduced dims with kept ones between: an odometer over the kept dims, and
     * one over all but the last reduced dim, which is the inner loop. */
    const int32_t centre = p->input_zero_point * s->count;
    const int32_t outer = s->num_reduced - 1;
    const int32_t inner = s->reduced_dims[outer];
    const int32_t inner_stride = s->reduced_strides[outer];
    int32_t kept_index[TH_MAX_RANK] = {0};
    int32_t reduced_index[TH_MAX_RANK] = {0};
    int32_t base = 0;
    for (int32_t o = 0; o < s->outputs; ++o) {
        int32_t sum = 0;
        int32_t offset = base;
        do {
            const int8_t *x = input + offset;
            for (int32_t i = 0; i < inner; ++i) {
                sum += x[i * inner_stride];
            }
        } while (th_reduce_next(reduced_index, s->reduced_dims, s->reduced_strides, outer, &offset));
        output[o] = requantize(p, sum, centre);
        th_reduce_next(kept_index, s->kept_dims, s->kept_strides, s->num_kept, &base);
    }
}

/* A params zero point must be an int8 value and agree with its tensor record. */
static th_status check_zero_point(const th_op_ctx *ctx, int32_t value, const th_tensor *t, int32_t index,
                                  th_error *err)
{
    th_status status = th_op_check_range(ctx, value, INT8_MIN, INT8_MAX, err);
    if (status == TH_OK && value != t->zero_point) {
        status = th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, index, TH_FIELD_PARAM, t->zero_point, value);
    }
    return status;
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_mean_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    if (status != TH_OK) {
        return status;
    }
    if ((status = th_reduce_check_s8(ctx, TH_FIELD_OFFSET(p, axes), p.axes, err)) != TH_OK) {
        return status;
    }
    const th_tensor *input = ctx->inputs[0];
    th_reduce_shape s;
    th_reduce_shape_init(&s, input->dims, input->rank, (uint32_t)p.axes);
    if (s.count > TH_MEAN_MAX_COUNT) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, TH_MEAN_MAX_COUNT, s.count);
    }
    if ((status = check_zero_point(ctx, p.input_zero_point, input, ctx->input_index[0], err)) != TH_OK ||
        (status = check_zero_point(ctx, p.output_zero_point, ctx->output, ctx->output_index, err)) != TH_OK ||
        (status = TH_CHECK_PARAM(ctx, p, multiplier, 0, INT32_MAX, err)) != TH_OK) {
        return status;
    }
    return TH_CHECK_PARAM(ctx, p, shift, -31, 30, err);
}

static void eval(const th_op_ctx *ctx)
{
    th_mean_params p;
    memcpy(&p, ctx->params, sizeof(p)); /* size checked by validate */
    const th_tensor *input = ctx->inputs[0];
    const int8_t *x = (const int8_t *)input->data;
    int8_t *y = (int8_t *)ctx->output->data;
    int32_t outer, count, inner;
    if (th_reduce_block(input, (uint32_t)p.axes, &outer, &count, &inner)) {
        th_mean_block_s8(&p, outer, count, inner, x, y);
        return;
    }
    th_reduce_shape s;
    th_reduce_shape_init(&s, input->dims, input->rank, (uint32_t)p.axes);
    th_mean_s8(&p, &s, x, y);
}

const th_op_kernel TH_OP_KERNEL(MEAN) = {1, 1, 1, 1, validate, eval, NULL};
/* SUM: the same kernel; its multiplier has no 1 / count in it. */
const th_op_kernel TH_OP_KERNEL(SUM) = {1, 1, 1, 1, validate, eval, NULL};
