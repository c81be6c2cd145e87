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
/* The same for int16: 65536 * count. */
#define TH_MEAN_MAX_COUNT_S16 (1 << 15)

/* The kernel for one element type (int8 and int16 are the same loop, as in
 * TFLM's QuantizedMeanOrSum<T, int32_t>). */
#define TH_MEAN_KERNEL(name, type, type_min, type_max)                                                     \
void name(const th_mean_params *p, th_reduce_shape *s, const type *input, type *output)                    \
{                                                                                                          \
    /* The innermost reduced dim is the innermost loop and the innermost kept                              \
     * dim the loop around it (a global average pool, [n][h * w][c], is just                               \
     * these two inside a loop over n); odometers step the other dims. */                                  \
    th_reduce_dims *kept = &s->part[0], *reduced = &s->part[1];                                            \
    const int32_t count = reduced->dims[0], count_stride = reduced->strides[0];                            \
    const int32_t depth = kept->dims[0], depth_stride = kept->strides[0];                                  \
    const int32_t centre = p->input_zero_point * reduced->size;                                            \
    /* Locals, not loads: every store may alias *p and *s. */                                              \
    const int32_t multiplier = p->multiplier, shift = p->shift, output_zero_point = p->output_zero_point;  \
    const int more_reduced = reduced->n > 1, more_kept = kept->n > 1;                                      \
    int32_t base = 0;                                                                                      \
    do {                                                                                                   \
        const type *first = input + base;                                                                  \
        for (int32_t c = 0; c < depth; ++c, first += depth_stride) {                                       \
            int32_t sum = 0;                                                                               \
            int32_t offset = 0;                                                                            \
            do {                                                                                           \
                const type *x = first + offset;                                                            \
                for (int32_t i = 0; i < count; ++i) {                                                      \
                    sum += *x;                                                                             \
                    x += count_stride;                                                                     \
                }                                                                                          \
            } while (more_reduced && th_reduce_next(reduced, &offset));                                    \
            const int32_t scaled = th_multiply_by_quantized_multiplier(sum - centre, multiplier, shift);   \
            /* Wrapping add: defined for any multiplier, equal to TFLM's where TFLM is defined. */         \
            *output++ = (type)th_clamp(th_add_wrap(scaled, output_zero_point), type_min, type_max);        \
        }                                                                                                  \
    } while (more_kept && th_reduce_next(kept, &base));                                                    \
}

TH_MEAN_KERNEL(th_mean_s8, int8_t, INT8_MIN, INT8_MAX)
TH_MEAN_KERNEL(th_mean_s16, int16_t, INT16_MIN, INT16_MAX)

/* A params zero point must be a value of the tensor's type and agree with its tensor record. */
static th_status check_zero_point(const th_op_ctx *ctx, int32_t value, const th_tensor *t, int32_t index,
                                  th_error *err)
{
    const int s16 = TH_IS_INT16(t->dtype);
    th_status status = th_op_check_range(ctx, value, s16 ? INT16_MIN : INT8_MIN, s16 ? INT16_MAX : INT8_MAX, err);
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
    int32_t count;
    /* int8, or int16 in and out. */
    const int s16 = ctx->inputs[0] != NULL && TH_IS_INT16(ctx->inputs[0]->dtype);
    const int32_t max_count = s16 ? TH_MEAN_MAX_COUNT_S16 : TH_MEAN_MAX_COUNT;
    if ((status = th_reduce_check(ctx, s16 ? TH_DTYPE_INT16 : TH_DTYPE_INT8, TH_FIELD_OFFSET(p, axes), p.axes,
                                  &count, err)) != TH_OK) {
        return status;
    }
    const th_tensor *input = ctx->inputs[0];
    if (count > max_count) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, max_count, count);
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
    th_reduce_shape s;
    th_reduce_shape_init(&s, input->dims, input->rank, (uint32_t)p.axes);
    if (TH_IS_INT16(input->dtype)) {
        th_mean_s16(&p, &s, (const int16_t *)input->data, (int16_t *)ctx->output->data);
        return;
    }
    th_mean_s8(&p, &s, (const int8_t *)input->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(MEAN) = {1, 1, 1, 1, validate, eval, NULL};
/* SUM: the same kernel; its multiplier has no 1 / count in it. */
const th_op_kernel TH_OP_KERNEL(SUM) = {1, 1, 1, 1, validate, eval, NULL};
