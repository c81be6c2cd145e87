/* RESIZE_BILINEAR int8 (NHWC), as TFLM's reference ResizeBilinearInteger, the
 * int8 path of its resize_bilinear.cc: source coordinates in 10-bit fixed
 * point (scale = round(1024 * in / out), or (in - 1) / (out - 1) with
 * align_corners; half_pixel_centers shifts by scale / 2 - 512), the four
 * neighbours weighted in 20 bits, summed in int64 and rounded half away from
 * zero (TFLM's default, double rounding build). */
#include <string.h>

#include "../th_op.h"

typedef struct {
    int32_t scaled; /* source coordinate, 10 fractional bits (may be < 0 at the border) */
    int32_t lower;
    int32_t upper;
} source_coord;

static int32_t scale_10(int32_t in, int32_t out, int32_t align_corners)
{
    if (align_corners && out > 1) {
        return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
    }
    return ((1 << 10) * in + out / 2) / out;
}

static source_coord source(int32_t value, int32_t scale, int32_t half_pixel_centers, int32_t in)
{
    source_coord s;
    s.scaled = half_pixel_centers ? value * scale + scale / 2 - (1 << 9) : value * scale;
    s.lower = s.scaled / (1 << 10); /* C division truncates, as in TFLM */
    if (s.lower < 0) {
        s.lower = 0;
    }
    s.upper = (s.scaled + (1 << 10) - 1) / (1 << 10);
    if (s.upper > in - 1) {
        s.upper = in - 1;
    }
    return s;
}

void th_resize_bilinear_s8(const th_resize_bilinear_params *p, const th_dims *input_dims, const int8_t *input,
                           const th_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
    const int32_t sy = scale_10(in_h, output_dims->h, p->align_corners);
    const int32_t sx = scale_10(in_w, output_dims->w, p->align_corners);
    int32_t n, y, x;
    size_t c;
    for (n = 0; n < output_dims->n; ++n) {
        const int8_t *image = input + (size_t)n * (size_t)in_h * (size_t)in_w * (size_t)depth;
        for (y = 0; y < output_dims->h; ++y) {
            const source_coord ys = source(y, sy, p->half_pixel_centers, in_h);
            const int64_t dy = ys.scaled - (1 << 10) * ys.lower;
            const int8_t *row0 = image + (size_t)ys.lower * (size_t)in_w * (size_t)depth;
            const int8_t *row1 = image + (size_t)ys.upper * (size_t)in_w * (size_t)depth;
            for (x = 0; x < output_dims->w; ++x) {
                const source_coord xs = source(x, sx, p->half_pixel_centers, in_w);
                const int64_t dx = xs.scaled - (1 << 10) * xs.lower;
                const size_t x0 = (size_t)xs.lower * (size_t)depth, x1 = (size_t)xs.upper * (size_t)depth;
                for (c = 0; c < (size_t)depth; ++c) {
                    const int64_t sum = (int64_t)row0[x0 + c] * ((1 << 10) - dy) * ((1 << 10) - dx) +
                                        (int64_t)row1[x0 + c] * dy * ((1 << 10) - dx) +
                                        (int64_t)row0[x1 + c] * ((1 << 10) - dy) * dx +
                                        (int64_t)row1[x1 + c] * dy * dx;
                    const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
                    *output++ = (int8_t)((sum + round) / (1 << 20));
                }
            }
        }
    }
}

/* --- glue --- */

/* Every source coordinate of one axis stays inside the input (TFLM does not
 * clamp the lower neighbour; the compiler refuses sizes where it would leave). */
static th_status check_axis(const th_op_ctx *ctx, const th_resize_bilinear_params *p, int32_t in, int32_t out,
                            th_error *err)
{
    const int32_t scale = scale_10(in, out, p->align_corners);
    const source_coord last = source(out - 1, scale, p->half_pixel_centers, in);
    return th_op_check_range(ctx, last.lower, 0, in - 1, err);
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_resize_bilinear_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    if (in->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8, in->dtype);
    }
    if (out->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8, out->dtype);
    }
    if (in->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 4, in->rank);
    }
    if (out->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, 4, out->rank);
    }
    for (uint32_t d = 0; d < 4; d += 3) { /* batch and channels are kept */
        if (out->dims[d] != in->dims[d]) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, in->dims[d], out->dims[d]);
        }
    }
    /* 1024 * input size and (output size) * scale must fit in int32, as TFLM computes them. */
    for (uint32_t d = 1; d < 3; ++d) {
        if (in->dims[d] > (1 << 20)) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_DIM, 1 << 20, in->dims[d]);
        }
    }
    if ((status = TH_CHECK_PARAM(ctx, p, align_corners, 0, 1, err)) != TH_OK ||
        (status = TH_CHECK_PARAM(ctx, p, half_pixel_centers, 0, 1 - p.align_corners, err)) != TH_OK) {
        return status;
    }
    if ((status = check_axis(ctx, &p, in->dims[1], out->dims[1], err)) != TH_OK) {
        return status;
    }
    return check_axis(ctx, &p, in->dims[2], out->dims[2], err);
}

static void eval(const th_op_ctx *ctx)
{
    th_resize_bilinear_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_dims input_dims = th_tensor_dims(ctx->inputs[0]), output_dims = th_tensor_dims(ctx->output);
    th_resize_bilinear_s8(&p, &input_dims, (const int8_t *)ctx->inputs[0]->data, &output_dims,
                          (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(RESIZE_BILINEAR) = {1, 1, 1, 1, validate, eval, NULL};
