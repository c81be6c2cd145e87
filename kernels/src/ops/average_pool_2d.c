/* AVERAGE_POOL_2D, int8 and int16: byte-exact with TFLM's reference_integer_ops::AveragePool.
 *
 * The validate here is shared by MAX_POOL_2D (its file calls it through this
 * op's descriptor): both pooling ops take the same params and shapes, as in
 * TFLM's common PoolingPrepare. */
#include "pool_window.h"
#include "tinyhil/th_fixedpoint.h"

/* Bounds that keep every index computation of the kernels inside int32 and
 * every window sum below 2^27; real models use far smaller values. */
#define TH_POOL_MAX_WINDOW 1024   /* filter and stride, per axis */
#define TH_POOL_MAX_EXTENT (1 << 24) /* input height and width */
#define TH_POOL_MAX_TAPS_S16 65536   /* int16 windows: 65536 values of 2^15 sum in int32 */

/* TFLM's rounding: half away from zero, with C's truncating division. */
static int32_t divide_round_half_away(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* The kernel for one element type (int8 and int16 are the same loop; the sum
 * stays in int32: int16 windows hold at most TH_POOL_MAX_TAPS_S16 taps). */
#define TH_AVG_POOL_KERNEL(name, type)                                                                        \
    void name(const th_pool_params *p, const th_dims *input_dims, const type *input,                        \
              const th_dims *output_dims, type *output)                                                      \
    {                                                                                                        \
        const int32_t in_h = input_dims->h;                                                                  \
        const int32_t in_w = input_dims->w;                                                                  \
        const int32_t depth = input_dims->c;                                                                 \
        for (int32_t b = 0; b < output_dims->n; ++b) {                                                       \
            for (int32_t out_y = 0; out_y < output_dims->h; ++out_y) {                                       \
                const int32_t origin_y = out_y * p->stride_h - p->pad_h;                                     \
                int32_t fy_start, fy_end;                                                                    \
                th_pool_window_in_bounds(origin_y, p->filter_h, in_h, &fy_start, &fy_end);                   \
                for (int32_t out_x = 0; out_x < output_dims->w; ++out_x) {                                   \
                    const int32_t origin_x = out_x * p->stride_w - p->pad_w;                                 \
                    int32_t fx_start, fx_end;                                                                \
                    th_pool_window_in_bounds(origin_x, p->filter_w, in_w, &fx_start, &fx_end);               \
                    /* Only in-bounds taps count: the divisor shrinks at padded edges. */                   \
                    const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);                         \
                    type *out = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * depth;   \
                    for (int32_t c = 0; c < depth; ++c) {                                                    \
                        int32_t sum = 0;                                                                     \
                        for (int32_t fy = fy_start; fy < fy_end; ++fy) {                                     \
                            const int32_t row = (b * in_h + origin_y + fy) * in_w + origin_x;                \
                            for (int32_t fx = fx_start; fx < fx_end; ++fx) {                                 \
                                sum += input[(row + fx) * depth + c];                                        \
                            }                                                                                \
                        }                                                                                    \
                        out[c] = (type)th_clamp(divide_round_half_away(sum, count), p->act_min, p->act_max); \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

TH_AVG_POOL_KERNEL(th_avg_pool2d_s8, int8_t)
TH_AVG_POOL_KERNEL(th_avg_pool2d_s16, int16_t)

static th_status check_rank4(const th_op_ctx *ctx, const th_tensor *t, int32_t index, uint8_t dtype, th_error *err)
{
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    if (t->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_RANK, 4, t->rank);
    }
    return TH_OK;
}

/* One spatial axis: every output position must see at least one input tap
 * (so the average never divides by zero) and all positions stay in int32. */
static th_status check_axis(const th_op_ctx *ctx, int32_t in_size, int32_t out_size, int32_t filter,
                            int32_t stride, int32_t pad, th_error *err)
{
    th_status status = th_op_check_range(ctx, filter, 1, TH_POOL_MAX_WINDOW, err);
    if (status == TH_OK) {
        status = th_op_check_range(ctx, stride, 1, TH_POOL_MAX_WINDOW, err);
    }
    if (status == TH_OK) {
        /* pad < filter: the first window reaches into the input. */
        status = th_op_check_range(ctx, pad, 0, filter - 1, err);
    }
    if (status != TH_OK) {
        return status;
    }
    if (in_size > TH_POOL_MAX_EXTENT) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, TH_POOL_MAX_EXTENT, in_size);
    }
    /* The last window starts inside the input: (out - 1) * stride - pad < in. */
    const int64_t max_out = ((int64_t)in_size + pad - 1) / stride + 1;
    if (out_size > max_out) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, max_out, out_size);
    }
    return TH_OK;
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    th_pool_params p;
    th_status status = th_op_params(ctx, &p, sizeof(p), err);
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *input = ctx->inputs[0];
    const th_tensor *output = ctx->output;
    /* int8, or int16 in and out. */
    const uint8_t dtype = TH_IS_INT16(input->dtype) ? TH_DTYPE_INT16 : TH_DTYPE_INT8;
    if ((status = check_rank4(ctx, input, ctx->input_index[0], dtype, err)) != TH_OK ||
        (status = check_rank4(ctx, output, ctx->output_index, dtype, err)) != TH_OK) {
        return status;
    }
    /* TFLM pools integers only when input and output quantization agree. */
    if (input->zero_point != output->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_PARAM, input->zero_point,
                          output->zero_point);
    }
    const th_dims in = th_tensor_dims(input);
    const th_dims out = th_tensor_dims(output);
    if (out.n != in.n) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in.n, out.n);
    }
    if (out.c != in.c) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in.c, out.c);
    }
    if ((status = check_axis(ctx, in.h, out.h, p.filter_h, p.stride_h, p.pad_h, err)) != TH_OK ||
        (status = check_axis(ctx, in.w, out.w, p.filter_w, p.stride_w, p.pad_w, err)) != TH_OK) {
        return status;
    }
    if (dtype == TH_DTYPE_INT16 && (int64_t)p.filter_h * p.filter_w > TH_POOL_MAX_TAPS_S16) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, TH_POOL_MAX_TAPS_S16,
                          (int64_t)p.filter_h * p.filter_w);
    }
    return TH_CHECK_ACTIVATION_FOR(ctx, dtype, p, err);
}

static void eval(const th_op_ctx *ctx)
{
    th_pool_eval(ctx, th_avg_pool2d_s8, th_avg_pool2d_s16);
}

const th_op_kernel TH_OP_KERNEL(AVERAGE_POOL_2D) = {1, 1, 1, 1, validate, eval, NULL};
