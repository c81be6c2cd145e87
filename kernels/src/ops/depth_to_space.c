/* DEPTH_TO_SPACE and SPACE_TO_DEPTH (NHWC), as TFLM's reference DepthToSpace /
 * SpaceToDepth: spatial pixel (h, w) with c channels <-> deep pixel
 * (h / b, w / b), channels [((h % b) * b + w % b) * c, ... + c).  Byte copies
 * of one pixel's channels at a time, so any element size works.
 * Copies use memmove: a plan may overlap an input and an output (the compiler
 * never does), which must stay defined behaviour. */
#include <string.h>

#include "../th_op.h"

/* Calls copy for each spatial pixel with the byte offsets of its channels in
 * the spatial and the deep tensor. */
static void walk(int32_t block, const th_dims *space, int32_t elem, const uint8_t *in, uint8_t *out, int to_space)
{
    const size_t run = (size_t)space->c * (size_t)elem;         /* one spatial pixel's channels */
    const int32_t deep_w = space->w / block;
    const int32_t deep_h = space->h / block;
    const size_t deep_pixel = run * (size_t)block * (size_t)block;
    size_t space_at = 0;
    int32_t n, h, w;
    for (n = 0; n < space->n; ++n) {
        for (h = 0; h < space->h; ++h) {
            for (w = 0; w < space->w; ++w) {
                const size_t deep_at = (((size_t)n * (size_t)deep_h + (size_t)(h / block)) * (size_t)deep_w +
                                        (size_t)(w / block)) * deep_pixel +
                                       (size_t)((h % block) * block + w % block) * run;
                if (to_space) {
                    memmove(out + space_at, in + deep_at, run);
                } else {
                    memmove(out + deep_at, in + space_at, run);
                }
                space_at += run;
            }
        }
    }
}

void th_depth_to_space(int32_t block_size, const th_dims *space, int32_t elem_bytes, const uint8_t *input,
                       uint8_t *output)
{
    walk(block_size, space, elem_bytes, input, output, 1);
}

void th_space_to_depth(int32_t block_size, const th_dims *space, int32_t elem_bytes, const uint8_t *input,
                       uint8_t *output)
{
    walk(block_size, space, elem_bytes, input, output, 0);
}

/* --- glue --- */

static th_status check(const th_op_ctx *ctx, th_error *err, const th_tensor *space, int32_t space_index,
                       const th_tensor *deep, int32_t deep_index)
{
    th_block_params p;
    th_status status = th_op_params(ctx, &p, sizeof p, err);
    if (status != TH_OK) {
        return status;
    }
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    if (out->dtype != in->dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, in->dtype, out->dtype);
    }
    if (in->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[0], TH_FIELD_RANK, 4, in->rank);
    }
    if (out->rank != 4) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, 4, out->rank);
    }
    /* Bounded by the spatial dims, so block^2 * channels below cannot overflow. */
    if ((status = TH_CHECK_PARAM(ctx, p, block_size, 1, space->dims[1] < space->dims[2] ? space->dims[1]
                                                                                         : space->dims[2], err)) != TH_OK) {
        return status;
    }
    const int32_t b = p.block_size;
    const int32_t want[4] = {space->dims[0], space->dims[1] / b, space->dims[2] / b, space->dims[3] * b * b};
    for (uint32_t d = 1; d < 3; ++d) {
        if (space->dims[d] % b != 0) { /* the spatial extent is whole blocks */
            return th_op_fail(ctx, err, TH_ERR_SHAPE, space_index, TH_FIELD_DIM, space->dims[d] / b * b,
                              space->dims[d]);
        }
    }
    for (uint32_t d = 0; d < 4; ++d) {
        if (deep->dims[d] != want[d]) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, deep_index, TH_FIELD_DIM, want[d], deep->dims[d]);
        }
    }
    return TH_OK;
}

static th_status d2s_validate(const th_op_ctx *ctx, th_error *err)
{
    return check(ctx, err, ctx->output, ctx->output_index, ctx->inputs[0], ctx->input_index[0]);
}

static th_status s2d_validate(const th_op_ctx *ctx, th_error *err)
{
    return check(ctx, err, ctx->inputs[0], ctx->input_index[0], ctx->output, ctx->output_index);
}

static void eval(const th_op_ctx *ctx, int to_space)
{
    th_block_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_tensor *in = ctx->inputs[0];
    const th_dims space = th_tensor_dims(to_space ? ctx->output : in);
    const int32_t elem = (int32_t)in->bytes / th_tensor_elements(in);
    walk(p.block_size, &space, elem, (const uint8_t *)in->data, (uint8_t *)ctx->output->data, to_space);
}

static void d2s_eval(const th_op_ctx *ctx)
{
    eval(ctx, 1);
}

static void s2d_eval(const th_op_ctx *ctx)
{
    eval(ctx, 0);
}

const th_op_kernel TH_OP_KERNEL(DEPTH_TO_SPACE) = {1, 1, 1, 1, d2s_validate, d2s_eval, NULL};
const th_op_kernel TH_OP_KERNEL(SPACE_TO_DEPTH) = {1, 1, 1, 1, s2d_validate, s2d_eval, NULL};
