/* FULLY_CONNECTED, int8, Helium (MVE) variant of th_fully_connected_s8 (see
 * mat_mult_mve.h): byte-exact with the reference kernel in fully_connected.c.
 * The batches are the rows of a matrix multiply by the filter's rows
 * (th_mve_mat_mult: a single batch goes four filter rows at a time).  A
 * filter offset (the compiler never writes one) and an activation range
 * beyond int8 go to the DSP variant.  No buffers: no scratch. */
#include "mat_mult_mve.h"

#if TH_KERNELS_MVE

void TH_DSP_ENTRY(th_fully_connected_s8)(const th_fc_params *p, const th_channel_quant *q, th_scratch scratch,
                                         int32_t batches, int32_t accum_depth, int32_t output_depth,
                                         const int8_t *input, const int8_t *filter, const int32_t *bias,
                                         int8_t *output);

void th_fully_connected_s8(const th_fc_params *p, const th_channel_quant *q, th_scratch scratch,
                           int32_t batches, int32_t accum_depth, int32_t output_depth,
                           const int8_t *input, const int8_t *filter, const int32_t *bias,
                           int8_t *output)
{
    if (p->filter_offset != 0 || p->act_min < -128 || p->act_max > 127 || p->act_min > p->act_max ||
        accum_depth <= 0) {
        TH_DSP_ENTRY(th_fully_connected_s8)(p, q, scratch, batches, accum_depth, output_depth, input, filter, bias,
                                            output);
        return;
    }
    const th_mve_matmul m = {input, filter, bias, NULL, output, batches, output_depth, accum_depth, accum_depth,
                             output_depth, p->input_offset, {p->output_offset, p->act_min, p->act_max}};
    th_mve_mat_mult(&m, q);
}

#endif
