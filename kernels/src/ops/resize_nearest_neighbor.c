/* RESIZE_NEAREST_NEIGHBOR (NHWC), as TFLM's reference ResizeNearestNeighbor:
 * each output pixel copies one input pixel's channels.  Which one depends on
 * float arithmetic (GetNearestNeighbor with align_corners/half_pixel_centers),
 * so the compiler evaluates it and the plan holds the row and column maps;
 * the kernel only copies (any element size).
 * Copies use memmove: a plan may overlap an input and an output (the compiler
 * never does), which must stay defined behaviour. */
#include <string.h>

#include "../th_op.h"

void th_resize_nearest(const th_dims *input_dims, const th_dims *output_dims, const int32_t *rows,
                       const int32_t *cols, int32_t elem_bytes, const uint8_t *input, uint8_t *output)
{
    const size_t pixel = (size_t)input_dims->c * (size_t)elem_bytes;
    int32_t n, y, x;
    for (n = 0; n < output_dims->n; ++n) {
        for (y = 0; y < output_dims->h; ++y) {
            const uint8_t *row = input + ((size_t)n * (size_t)input_dims->h + (size_t)rows[y]) *
                                             (size_t)input_dims->w * pixel;
            for (x = 0; x < output_dims->w; ++x) {
                memmove(output, row + (size_t)cols[x] * pixel, pixel);
                output += pixel;
            }
        }
    }
}

/* --- glue --- */

static th_status check_map(const th_op_ctx *ctx, uint32_t offset, int32_t count, int32_t limit, th_error *err)
{
    const int32_t *map;
    th_status status = th_op_const_i32(ctx, offset, count, &map, err);
    for (int32_t i = 0; status == TH_OK && i < count; ++i) {
        status = th_op_check_range(ctx, map[i], 0, limit - 1, err);
    }
    return status;
}

static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    th_resize_nearest_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    if (out->dtype != in->dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, in->dtype, out->dtype);
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
    if ((status = TH_CHECK_PARAM(ctx, p, output_height, out->dims[1], out->dims[1], err)) != TH_OK ||
        (status = TH_CHECK_PARAM(ctx, p, output_width, out->dims[2], out->dims[2], err)) != TH_OK) {
        return status;
    }
    if ((status = check_map(ctx, p.rows_offset, out->dims[1], in->dims[1], err)) != TH_OK) {
        return status;
    }
    return check_map(ctx, p.cols_offset, out->dims[2], in->dims[2], err);
}

static void eval(const th_op_ctx *ctx)
{
    const th_tensor *in = ctx->inputs[0];
    th_resize_nearest_params p;
    const int32_t *rows, *cols;
    memcpy(&p, ctx->params, sizeof p);
    const th_dims input_dims = th_tensor_dims(in), output_dims = th_tensor_dims(ctx->output);
    (void)th_op_const_i32(ctx, p.rows_offset, output_dims.h, &rows, NULL);
    (void)th_op_const_i32(ctx, p.cols_offset, output_dims.w, &cols, NULL);
    th_resize_nearest(&input_dims, &output_dims, rows, cols, (int32_t)in->bytes / th_tensor_elements(in),
                      (const uint8_t *)in->data, (uint8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(RESIZE_NEAREST_NEIGHBOR) = {1, 1, 1, 1, validate, eval, NULL};
