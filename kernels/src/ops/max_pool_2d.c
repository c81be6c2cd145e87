/* MAX_POOL_2D, int8 and int16: byte-exact with TFLM's reference_integer_ops::MaxPool. */
#include "pool_window.h"
#include "tinyhil/th_fixedpoint.h"

/* The kernel for one element type; padding never wins, as in TFLM. */
#define TH_MAX_POOL_KERNEL(name, type, type_min)                                                             \
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
                    type *out = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * depth;   \
                    for (int32_t c = 0; c < depth; ++c) {                                                    \
                        int32_t max = type_min;                                                              \
                        for (int32_t fy = fy_start; fy < fy_end; ++fy) {                                     \
                            const int32_t row = (b * in_h + origin_y + fy) * in_w + origin_x;                \
                            for (int32_t fx = fx_start; fx < fx_end; ++fx) {                                 \
                                const int32_t value = input[(row + fx) * depth + c];                         \
                                max = value > max ? value : max;                                             \
                            }                                                                                \
                        }                                                                                    \
                        out[c] = (type)th_clamp(max, p->act_min, p->act_max);                                \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

TH_MAX_POOL_KERNEL(th_max_pool2d_s8, int8_t, INT8_MIN)
TH_MAX_POOL_KERNEL(th_max_pool2d_s16, int16_t, INT16_MIN)

/* Same params, shapes and checks as AVERAGE_POOL_2D (TFLM shares the Prepare). */
static th_status validate(const th_op_ctx *ctx, th_error *err)
{
    return TH_OP_KERNEL(AVERAGE_POOL_2D).validate(ctx, err);
}

static void eval(const th_op_ctx *ctx)
{
    th_pool_eval(ctx, th_max_pool2d_s8, th_max_pool2d_s16);
}

const th_op_kernel TH_OP_KERNEL(MAX_POOL_2D) = {1, 1, 1, 1, validate, eval, NULL};
