/* FULLY_CONNECTED, int8, DSP-extension variant of th_fully_connected_s8 (see
 * dsp_s8.h): byte-exact with the reference kernel in fully_connected.c.  The
 * batches are the rows of a matrix multiply by the filter's rows.
 *
 * The common case (no filter offset, a depth that is a multiple of four up
 * to FC_FAST_MAX_DEPTH, every shift in th_dsp_fast_quant's range) goes four output
 * channels at a time: the input row is split once into int16 lanes with the
 * input offset added, so each four values of it are one LDM, and each filter
 * word is loaded and split once (every weight is used once per row); the
 * four outputs are requantized, clamped and stored as one word.  The lanes
 * and the requantization words (fc_fast_layout) are on the stack up to
 * FC_STACK_BYTES, else in the op's scratch. */
#include "dsp_s8.h"

#if TH_KERNELS_DSP

enum { FC_FAST_MAX_DEPTH = 1024 };

typedef struct {
    const uint32_t *x, *x_end;  /*  0: the input row's lanes */
    const int8_t *w;            /*  8: the filter row of the block's first channel */
    int32_t depth;              /* 12 */
    const int32_t *bp;          /* 16: bias per channel */
    const int32_t *qp;          /* 20: th_dsp_fast_quant's three words per channel */
    int8_t *out;                /* 24 */
    uint32_t minv, maxv;        /* 28: act_min and act_max in every byte */
    int32_t blocks;             /* 36: blocks of four channels left */
    int32_t q_back;             /* 40: bytes qp steps back after a block: 48 with one quantization for all */
} fc_job;

#if defined(__ARM_FEATURE_DSP) && !defined(TH_KERNELS_DSP_PORTABLE)
_Static_assert(sizeof(void *) == 4, "fc_job layout");
#define FC_REQ(A, M, RH, SH)                  \
    "and r8, " A ", #0x80000000\n\t"         \
    "orr r8, r8, #0x40000000\n\t"            \
    "add r9, " RH ", " A ", asr #31\n\t"     \
    "smlal r8, r9, " A ", " M "\n\t"         \
    "asr r9, r9, " SH "\n\t"                 \
    "sxtab r9, r9, " SH ", ror #8\n\t"       \
    "ssat " A ", #8, r9\n\t"

/* Registers in the dot loop: r0 lanes, r1 their end, r2-r5 filter rows,
 * r6 r7 lanes, r8 r9 filter lanes, r10 r11 r12 lr the four channels; the job
 * on the stack. */
#define FC_BLOCKS_ASM(CLAMP) \
        "push {r4-r11, lr}\n\t" \
        "push {r0}\n\t" \
        "2:\n\t" \
        "ldr r4, [sp]\n\t" \
        "ldr r5, [r4, #16]\n\t" \
        "ldm r5!, {r10, r11, r12, lr}\n\t" \
        "str r5, [r4, #16]\n\t" \
        "ldrd r2, r6, [r4, #8]\n\t" \
        "add r3, r2, r6\n\t" \
        "add r5, r3, r6, lsl #1\n\t" \
        "add r7, r5, r6\n\t" \
        "str r7, [r4, #8]\n\t" \
        "ldrd r0, r1, [r4]\n\t" \
        "add r4, r2, r6, lsl #1\n\t" \
        "1:\n\t" \
        "ldm r0!, {r6, r7}\n\t" \
        "ldr r8, [r2], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad r10, r6, r8, r10\n\t" \
        "smlad r10, r7, r9, r10\n\t" \
        "ldr r8, [r3], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad r11, r6, r8, r11\n\t" \
        "smlad r11, r7, r9, r11\n\t" \
        "ldr r8, [r4], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad r12, r6, r8, r12\n\t" \
        "smlad r12, r7, r9, r12\n\t" \
        "ldr r8, [r5], #4\n\t" \
        "sxtb16 r9, r8, ror #8\n\t" \
        "sxtb16 r8, r8\n\t" \
        "smlad lr, r6, r8, lr\n\t" \
        "smlad lr, r7, r9, lr\n\t" \
        "cmp r0, r1\n\t" \
        "bne 1b\n\t" \
        "ldr r7, [sp]\n\t" \
        "ldr r6, [r7, #20]\n\t" \
        "ldm r6!, {r0-r5}\n\t" \
        FC_REQ("r10", "r0", "r1", "r2") \
        FC_REQ("r11", "r3", "r4", "r5") \
        "ldm r6!, {r0-r5}\n\t" \
        "ldr r8, [r7, #40]\n\t" \
        "sub r6, r6, r8\n\t" \
        "str r6, [r7, #20]\n\t" \
        FC_REQ("r12", "r0", "r1", "r2") \
        FC_REQ("lr", "r3", "r4", "r5") \
        "bfi r10, r11, #8, #8\n\t" \
        "bfi r10, r12, #16, #8\n\t" \
        "bfi r10, lr, #24, #8\n\t" \
        CLAMP \
        "ldr r0, [r7, #24]\n\t" \
        "str r10, [r0], #4\n\t" \
        "str r0, [r7, #24]\n\t" \
        "ldr r0, [r7, #36]\n\t" \
        "subs r0, r0, #1\n\t" \
        "str r0, [r7, #36]\n\t" \
        "bne 2b\n\t" \
        "add sp, sp, #4\n\t" \
        "pop {r4-r11, pc}\n\t"

__attribute__((naked, noinline)) static void fc_blocks_asm(fc_job *j)
{
    __asm__ volatile(FC_BLOCKS_ASM(""));
}

/* The blocks, then the activation clamp over what they wrote (th_dsp_clamp_s8). */
static void fc_blocks(fc_job *j, int32_t act_min, int32_t act_max)
{
    int8_t *out = j->out;
    const int32_t count = 4 * j->blocks; /* the assembly counts the job's blocks down */
    fc_blocks_asm(j);
    th_dsp_clamp_s8(out, count, act_min, act_max);
}
#else
static void fc_blocks(fc_job *j, int32_t act_min, int32_t act_max)
{
    (void)act_min; /* clamped as it goes, from the job's minv/maxv */
    (void)act_max;
    for (; j->blocks > 0; --j->blocks) {
        for (int32_t c = 0; c < 4; ++c) {
            const int8_t *w = j->w + (size_t)c * j->depth;
            int32_t acc = j->bp[c];
            for (const uint32_t *x = j->x; x != j->x_end; x += 2, w += 4) {
                const uint32_t v = th_dsp_read4(w);
                acc = th_dsp_smlad(x[1], th_dsp_odd(v), th_dsp_smlad(x[0], th_dsp_even(v), acc));
            }
            const int32_t r = th_dsp_fast_requantize(acc, j->qp + 3 * c);
            j->out[c] = (int8_t)th_clamp(r, (int8_t)(uint8_t)j->minv, (int8_t)(uint8_t)j->maxv);
        }
        j->w += 4 * (size_t)j->depth;
        j->bp += 4;
        j->qp += 12 - j->q_back / 4;
        j->out += 4;
    }
}
#endif

/* The bias and requantization words of channels [c0, c0 + 64) (fewer at the end); 0 if a shift is out of range. */
static int fc_params(const th_fc_params *p, const th_channel_quant *q, const int32_t *bias, int32_t c0, int32_t n,
                     int32_t *bp, int32_t *qp)
{
    for (int32_t i = 0; i < n; ++i) {
        const th_quant qc = th_quant_at(q, q->count > 1 ? c0 + i : 0);
        if (qc.shift < TH_DSP_FAST_MIN_SHIFT || qc.shift > TH_DSP_FAST_MAX_SHIFT) {
            return 0;
        }
        if (bias == NULL) {
            bp[i] = 0; /* (read from bp only without a bias: the buffers have no room for it otherwise) */
        }
        th_dsp_fast_quant(qc.multiplier, qc.shift, p->output_offset, &qp[3 * i]);
    }
    return 1;
}

enum { FC_CHUNK = 64 };

/* Whether the fast path can take the op (fc_fast also wants every shift in range). */
static int fc_fast_applies(const th_fc_params *p, int32_t depth, int32_t cols)
{
    return p->filter_offset == 0 && (depth & 3) == 0 && depth <= FC_FAST_MAX_DEPTH && depth > 0 && cols >= 4 &&
           p->act_min >= -128 && p->act_max <= 127 && p->act_min <= p->act_max;
}

/* The fast path's buffers: the input row's lanes (2 * depth bytes), then the
 * requantization words (four channels' with one quantization and a bias, else
 * a chunk's), then a chunk's zero bias when there is no bias. */
typedef struct {
    uint32_t qp, bp, total;
} fc_fast_layout;

static fc_fast_layout fc_fast_layout_of(int32_t quant_count, int has_bias, int32_t depth, int32_t cols)
{
    const uint32_t n = cols < FC_CHUNK ? (uint32_t)cols : FC_CHUNK;
    const int once = quant_count == 1 && has_bias;
    fc_fast_layout l;
    l.qp = 2u * (uint32_t)depth;
    l.bp = l.qp + (once ? 48u : 12u * n);
    l.total = l.bp + (has_bias ? 0u : 4u * n);
    return l;
}

/* Buffers up to this size stay on the stack (one array in
 * th_fully_connected_s8's frame): a layer of 640 inputs, where ad01's arena
 * peaks, fits; larger ones are in the op's scratch. */
#define FC_STACK_BYTES 1344u

static uint32_t fc_buffer_bytes(const th_fc_params *p, int32_t quant_count, int has_bias, int32_t accum_depth,
                                int32_t output_depth)
{
    if (!fc_fast_applies(p, accum_depth, output_depth)) {
        return 0;
    }
    return fc_fast_layout_of(quant_count, has_bias, accum_depth, output_depth).total;
}

uint32_t th_fully_connected_s8_scratch_bytes(const th_fc_params *p, int32_t quant_count, int has_bias,
                                             int32_t accum_depth, int32_t output_depth)
{
    const uint32_t bytes = fc_buffer_bytes(p, quant_count, has_bias, accum_depth, output_depth);
    return bytes > FC_STACK_BYTES ? bytes : 0u;
}

static int fc_fast(const th_fc_params *p, const th_channel_quant *q, uint8_t *scratch, int32_t batches,
                   int32_t depth, int32_t cols, const int8_t *input, const int8_t *filter, const int32_t *bias,
                   int8_t *output)
{
    enum { CHUNK = FC_CHUNK };
    if (!fc_fast_applies(p, depth, cols)) {
        return 0;
    }
    for (int32_t i = 0; i < q->count; ++i) {
        const int32_t shift = th_quant_at(q, i).shift;
        if (shift < TH_DSP_FAST_MIN_SHIFT || shift > TH_DSP_FAST_MAX_SHIFT) {
            return 0;
        }
    }
    const fc_fast_layout sl = fc_fast_layout_of(q->count, bias != NULL, depth, cols);
    uint32_t *lanes = (uint32_t *)(void *)scratch;
    int32_t *qp = (int32_t *)(void *)(scratch + sl.qp), *bp = (int32_t *)(void *)(scratch + sl.bp);
    const uint32_t offset_lanes = th_dsp_dup16(p->input_offset);
    const th_dsp_out o = {p->output_offset, p->act_min, p->act_max};
    /* One quantization for every channel, and a bias: the words of four channels once, the bias where it is. */
    const int once = q->count == 1 && bias != NULL;
    const int32_t chunk = once ? cols : CHUNK;
    fc_job j;
    j.depth = depth;
    j.q_back = 0;
    if (once) {
        const th_quant q0 = th_quant_at(q, 0);
        for (int32_t i = 0; i < 4; ++i) {
            th_dsp_fast_quant(q0.multiplier, q0.shift, p->output_offset, &qp[3 * i]);
        }
        j.q_back = 48;
    }
    j.minv = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
    j.maxv = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *row = input + (size_t)b * depth;
        int8_t *out = output + (size_t)b * cols;
        for (int32_t i = 0; i < depth; i += 4) {
            const uint32_t v = th_dsp_read4(row + i);
            lanes[i / 2] = th_dsp_even_add(offset_lanes, v);
            lanes[i / 2 + 1] = th_dsp_odd_add(offset_lanes, v);
        }
        for (int32_t c0 = 0; c0 < cols; c0 += chunk) {
            const int32_t n = cols - c0 < chunk ? cols - c0 : chunk;
            if (!once) {
                (void)fc_params(p, q, bias, c0, n, bp, qp);
            }
            j.x = lanes;
            j.x_end = lanes + depth / 2;
            j.w = filter + (size_t)c0 * depth;
            j.bp = bias != NULL ? bias + c0 : bp;
            j.qp = qp;
            j.out = out + c0;
            j.blocks = n / 4;
            if (j.blocks > 0) {
                fc_blocks(&j, p->act_min, p->act_max);
            }
            /* The last n % 4 channels one at a time. */
            for (int32_t c = c0 + (n & ~3); c < c0 + n; ++c) {
                const int8_t *w = filter + (size_t)c * depth;
                int32_t acc = bias != NULL ? bias[c] : 0;
                for (int32_t i = 0; i < depth; i += 4) {
                    const uint32_t v = th_dsp_read4(w + i);
                    acc = th_dsp_smlad(lanes[i / 2 + 1], th_dsp_odd(v), th_dsp_smlad(lanes[i / 2], th_dsp_even(v), acc));
                }
                const th_dsp_quant qc = th_dsp_quant_of(q, c);
                out[c] = th_dsp_output(acc, &qc, &o);
            }
        }
    }
    return 1;
}

void TH_DSP_ENTRY(th_fully_connected_s8)(const th_fc_params *p, const th_channel_quant *q, th_scratch scratch,
                                         int32_t batches, int32_t accum_depth, int32_t output_depth,
                                         const int8_t *input, const int8_t *filter, const int32_t *bias,
                                         int8_t *output)
{
    uint32_t local[FC_STACK_BYTES / 4u];
    uint8_t *buffers = fc_buffer_bytes(p, q->count, bias != NULL, accum_depth, output_depth) <= FC_STACK_BYTES
                           ? (uint8_t *)local
                           : (uint8_t *)scratch.buf;
    if (fc_fast(p, q, buffers, batches, accum_depth, output_depth, input, filter, bias, output)) {
        return;
    }
    const th_dsp_matmul m = {input, filter, bias, output, batches, output_depth, accum_depth,
                             p->input_offset, p->filter_offset, {p->output_offset, p->act_min, p->act_max}};
    th_dsp_mat_mult(&m, q);
}

#endif
