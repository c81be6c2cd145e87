/* The int8 matrix multiply of the Helium variants of CONV_2D and
 * FULLY_CONNECTED (see mat_mult_mve.h).
 *
 * Rows in blocks of four go one right row (output channel) at a time: the
 * channel's base value and quantization are prepared once, and each block is
 * four dot products (a tail-predicated loop loading the right row's sixteen
 * values once for the four rows) and four outputs requantized together,
 * stored a row apart (VSTRB scatter).  On the target the loop over a
 * channel's blocks is one assembly routine with the quantization in vector
 * registers (GCC 12 neither makes tail-predicated loops of the intrinsics
 * nor keeps the pointers out of the stack); with the portable intrinsics it
 * is the same loop in C.  Rows of eight values go two to a vector; a single
 * block of four rows (the convolution windows when the buffer holds no more)
 * goes by every channel in one routine.  The rows left over (and a single
 * row, as in FULLY_CONNECTED) go one at a time by four channels, their sums
 * beside them, the four outputs stored side by side. */
#include "mat_mult_mve.h"

#if TH_KERNELS_MVE

#if defined(TH_KERNELS_MVE_PORTABLE)
static inline int32x4_t pack4(int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    int32x4_t v;
    v.v[0] = a0;
    v.v[1] = a1;
    v.v[2] = a2;
    v.v[3] = a3;
    return v;
}

/* The assembly's dot loop: four left rows (x, x + stride, x + 2 stride,
 * x + 3 stride) by one right row w over n > 0 values, lane i = base +
 * sum_k x[i stride + k] w[k]. */
static inline int32x4_t dot_rows4(const int8_t *x, int32_t stride, const int8_t *w, int32_t n, int32_t base)
{
    int32_t a[4] = {base, base, base, base};
    for (int32_t k = 0; k < n; k += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - k));
        const int8x16_t wv = vldrbq_z_s8(w + k, p);
        for (int i = 0; i < 4; ++i) {
            a[i] = vmladavaq_s8(a[i], vldrbq_z_s8(x + i * stride + k, p), wv);
        }
    }
    return pack4(a[0], a[1], a[2], a[3]);
}
#endif

/* One channel's blocks of four rows. */
typedef struct {
    const int8_t *x;           /*   0: the first block's first row */
    int32_t x_stride;          /*   4: between a block's rows */
    const int8_t *w;           /*   8: the channel's right row */
    int32_t n;                 /*  12: values per row, > 0 */
    int32_t base;              /*  16: bias + lhs_offset * sum(w) */
    int32_t offset;            /*  20: output zero point */
    int8_t *out;               /*  24: the first block's first output */
    int32_t out_step;          /*  28: between blocks' outputs */
    int32_t blocks;            /*  32: > 0 */
    int32_t x_adjust;          /*  36: between blocks' rows, less what the loop moved them on (n rounded up to 16) */
    int32_t pad[2];
    int32_t multiplier[4];     /*  48: th_mve_quant's lanes */
    int32_t left[4];           /*  64 */
    int32_t right[4];          /*  80 */
    uint32_t apart[4];         /*  96: the four outputs' offsets */
    int32_t act_min[4];        /* 112 */
    int32_t act_max[4];        /* 128 */
    int8_t w_twice[16];        /* 144: rows of eight values: the right row twice */
} rows4_job;

#if defined(TH_KERNELS_MVE_PORTABLE)
/* The job's quantization and output offsets as vectors. */
static void rows4_unpack(const rows4_job *j, th_mve_quant *qc, uint32x4_t *apart)
{
    qc->multiplier = vldrwq_s32(j->multiplier);
    qc->left = vldrwq_s32(j->left);
    qc->right = vldrwq_s32(j->right);
    for (int i = 0; i < 4; ++i) {
        apart->v[i] = j->apart[i];
    }
}

static void rows4_channel(rows4_job *j)
{
    th_mve_quant qc;
    uint32x4_t apart;
    rows4_unpack(j, &qc, &apart);
    const int32_t x_step = j->x_adjust + ((j->n + 15) & ~15);
    for (const int8_t *x = j->x;; x += x_step, j->out += j->out_step) {
        const int32x4_t a = dot_rows4(x, j->x_stride, j->w, j->n, j->base);
        vstrbq_scatter_offset_s32(j->out, apart, th_mve_output(a, &qc, j->offset, j->act_min[0], j->act_max[0]));
        if (--j->blocks == 0) {
            break;
        }
    }
}
#define rows4_channel_in_place rows4_channel
#define rows4_channel_sixteen rows4_channel

/* Rows of eight values one after the other: two rows per vector, each summed
 * by a VMLADAV predicated on its half (a VPT block's then and else). */
static void rows4_channel_eight(rows4_job *j)
{
    th_mve_quant qc;
    uint32x4_t apart;
    rows4_unpack(j, &qc, &apart);
    const int8x16_t w = vldrbq_s8(j->w_twice);
    const int8_t *x = j->x;
    for (; j->blocks > 0; --j->blocks, j->out += j->out_step) {
        const int8x16_t x01 = vldrbq_s8(x), x23 = vldrbq_s8(x + 16);
        x += 32;
        const int32x4_t a = pack4(vmladavq_p_s8(x01, w, 0x00FF), vmladavq_p_s8(x01, w, 0xFF00),
                                         vmladavq_p_s8(x23, w, 0x00FF), vmladavq_p_s8(x23, w, 0xFF00));
        vstrbq_scatter_offset_s32(j->out, apart,
                                  th_mve_output(vaddq_n_s32(a, j->base), &qc, j->offset, j->act_min[0], j->act_max[0]));
    }
}
#else
_Static_assert(sizeof(void *) == 4, "rows4_job layout");
/* Pieces the routines below share: entry and exit (callee-saved core and
 * vector registers, the job in r12), the four-lane quantization from a
 * rows4_job (q2 multipliers, q3 left shifts, q4 right shifts, q5 output
 * offsets, q6 q7 the clamp), one pass of the dot loop over four rows (r1 r3
 * r5 r7) by the right row (r8) into r0 r2 r4 r6, the rounding division
 * (th_mve_requantize on q0) and the clamp and scatter store of q0. */
#define MVE_ASM_ENTER \
        "push {r4-r11, lr}\n\t" \
        "vpush {d8-d15}\n\t" \
        "mov r12, r0\n\t"
#define ROWS4_QUANT_LOAD \
        "vldrw.32 q2, [r12, #48]\n\t" \
        "vldrw.32 q3, [r12, #64]\n\t" \
        "vldrw.32 q4, [r12, #80]\n\t" \
        "vldrw.32 q5, [r12, #96]\n\t" \
        "vldrw.32 q6, [r12, #112]\n\t" \
        "vldrw.32 q7, [r12, #128]\n\t"
#define MVE_ASM_DOT4_PASS \
        "vldrb.8 q0, [r8], #16\n\t" \
        "vldrb.8 q1, [r1], #16\n\t" \
        "vmladava.s8 r0, q0, q1\n\t" \
        "vldrb.8 q1, [r3], #16\n\t" \
        "vmladava.s8 r2, q0, q1\n\t" \
        "vldrb.8 q1, [r5], #16\n\t" \
        "vmladava.s8 r4, q0, q1\n\t" \
        "vldrb.8 q1, [r7], #16\n\t" \
        "vmladava.s8 r6, q0, q1\n\t"
#define MVE_ASM_REQUANTIZE \
        "vshl.s32 q0, q0, q3\n\t" \
        "vqrdmulh.s32 q0, q0, q2\n\t" \
        "vand q1, q0, q4\n\t" \
        "vshr.s32 q1, q1, #31\n\t" \
        "vqadd.s32 q0, q0, q1\n\t" \
        "vrshl.s32 q0, q0, q4\n\t"
#define MVE_ASM_CLAMP_STORE \
        "vmax.s32 q0, q0, q6\n\t" \
        "vmin.s32 q0, q0, q7\n\t" \
        "vstrb.32 q0, [r10, q5]\n\t"
#define MVE_ASM_LEAVE \
        "vpop {d8-d15}\n\t" \
        "pop {r4-r11, pc}\n\t"

/* Registers: r0 r2 r4 r6 the accumulators, r1 r3 r5 r7 the rows, r8 the
 * right row, r9 x_adjust (ADVANCE) or out_step, r10 the outputs, r11 the
 * blocks left, r12 the job, lr what is read from the job between the loops;
 * q0 q1 the values, q2-q7 the quantization, offsets and clamp.  Each block is
 * dot_rows4's loop and th_mve_output.  ADVANCE moves the rows from
 * where the loop left them to the next block's; in place (x_adjust 0: rows
 * sixteen-byte multiples long, a block's rows a quarter of the rows apart)
 * the loop leaves them there. */
#define ROWS4_ASM(SETUP, ADVANCE) \
        MVE_ASM_ENTER \
        ROWS4_QUANT_LOAD \
        "ldr r10, [r12, #24]\n\t" \
        "ldr r11, [r12, #32]\n\t" \
        "ldr r1, [r12]\n\t" \
        "ldr r9, [r12, #4]\n\t" \
        "add r3, r1, r9\n\t" \
        "add r5, r3, r9\n\t" \
        "add r7, r5, r9\n\t" \
        SETUP \
        "2:\n\t" \
        "ldr r8, [r12, #8]\n\t" \
        "ldr r0, [r12, #16]\n\t" \
        "mov r2, r0\n\t" \
        "mov r4, r0\n\t" \
        "mov r6, r0\n\t" \
        "ldr lr, [r12, #12]\n\t" \
        "dlstp.8 lr, lr\n" \
        "1:\n\t" \
        MVE_ASM_DOT4_PASS \
        "letp lr, 1b\n\t" \
        "vmov q0[2], q0[0], r0, r4\n\t" \
        "vmov q0[3], q0[1], r2, r6\n\t" \
        MVE_ASM_REQUANTIZE \
        "ldr lr, [r12, #20]\n\t" \
        "vadd.i32 q0, q0, lr\n\t" \
        MVE_ASM_CLAMP_STORE \
        ADVANCE \
        "subs r11, r11, #1\n\t" \
        "bne 2b\n\t" \
        MVE_ASM_LEAVE

__attribute__((naked, noinline)) static void rows4_channel(rows4_job *j)
{
    __asm__ volatile(ROWS4_ASM("ldr r9, [r12, #36]\n\t",
                               "ldr lr, [r12, #28]\n\t"
                               "add r10, r10, lr\n\t"
                               "add r1, r1, r9\n\t"
                               "add r3, r3, r9\n\t"
                               "add r5, r5, r9\n\t"
                               "add r7, r7, r9\n\t"));
}

__attribute__((naked, noinline)) static void rows4_channel_in_place(rows4_job *j)
{
    __asm__ volatile(ROWS4_ASM("ldr r9, [r12, #28]\n\t", "add r10, r10, r9\n\t"));
}

/* Rows of sixteen values one after the other (in place): one VMLADAV a row,
 * no inner loop, the base added to the four lanes.  Registers as
 * ROWS4_ASM's, with r9 the base, r11 out_step, lr the blocks left. */
__attribute__((naked, noinline)) static void rows4_channel_sixteen(rows4_job *j)
{
    __asm__ volatile(
        MVE_ASM_ENTER
        ROWS4_QUANT_LOAD
        "ldr r10, [r12, #24]\n\t"
        "ldr lr, [r12, #32]\n\t"
        "ldr r1, [r12]\n\t"
        "ldr r9, [r12, #4]\n\t"
        "add r3, r1, r9\n\t"
        "add r5, r3, r9\n\t"
        "add r7, r5, r9\n\t"
        "ldr r8, [r12, #8]\n\t"
        "ldr r9, [r12, #16]\n\t"
        "ldr r11, [r12, #28]\n\t"
        "dls lr, lr\n"
        "2:\n\t"
        "vldrb.8 q0, [r8]\n\t"
        "vldrb.8 q1, [r1], #16\n\t"
        "vmladav.s8 r0, q0, q1\n\t"
        "vldrb.8 q1, [r3], #16\n\t"
        "vmladav.s8 r2, q0, q1\n\t"
        "vldrb.8 q1, [r5], #16\n\t"
        "vmladav.s8 r4, q0, q1\n\t"
        "vldrb.8 q1, [r7], #16\n\t"
        "vmladav.s8 r6, q0, q1\n\t"
        "vmov q0[2], q0[0], r0, r4\n\t"
        "vmov q0[3], q0[1], r2, r6\n\t"
        "vadd.i32 q0, q0, r9\n\t"
        MVE_ASM_REQUANTIZE
        "ldr r0, [r12, #20]\n\t"
        "vadd.i32 q0, q0, r0\n\t"
        MVE_ASM_CLAMP_STORE
        "add r10, r10, r11\n\t"
        "le lr, 2b\n\t"
        MVE_ASM_LEAVE);
}

/* Rows of eight values one after the other: two rows per vector, each summed
 * by a VMLADAV predicated on its half (P0 = the low eight lanes, a VPT
 * block's then and else; set before each block, since an else inverts P0),
 * no inner loop.  Registers as ROWS4_ASM's, with r8
 * the base, r9 the output zero point, r11 out_step, lr the blocks left, q1
 * the right row twice until the requantization. */
__attribute__((naked, noinline)) static void rows4_channel_eight(rows4_job *j)
{
    __asm__ volatile(
        MVE_ASM_ENTER
        ROWS4_QUANT_LOAD
        "ldr r10, [r12, #24]\n\t"
        "ldr lr, [r12, #32]\n\t"
        "ldr r1, [r12]\n\t"
        "ldr r8, [r12, #16]\n\t"
        "ldr r9, [r12, #20]\n\t"
        "ldr r11, [r12, #28]\n\t"
        "movs r3, #0xff\n\t"
        "dls lr, lr\n"
        "2:\n\t"
        "vldrw.32 q1, [r12, #144]\n\t"
        "vldrb.8 q0, [r1], #16\n\t"
        "vmsr p0, r3\n\t"
        "vpste\n\t"
        "vmladavt.s8 r0, q0, q1\n\t"
        "vmladave.s8 r2, q0, q1\n\t"
        "vldrb.8 q0, [r1], #16\n\t"
        "vmsr p0, r3\n\t"
        "vpste\n\t"
        "vmladavt.s8 r4, q0, q1\n\t"
        "vmladave.s8 r6, q0, q1\n\t"
        "vmov q0[2], q0[0], r0, r4\n\t"
        "vmov q0[3], q0[1], r2, r6\n\t"
        "vadd.i32 q0, q0, r8\n\t"
        MVE_ASM_REQUANTIZE
        "vadd.i32 q0, q0, r9\n\t"
        MVE_ASM_CLAMP_STORE
        "add r10, r10, r11\n\t"
        "le lr, 2b\n\t"
        MVE_ASM_LEAVE);
}
#endif

/* One block of four rows by every channel (th_mve_block_by_channels). */
typedef struct {
    const int8_t *x;           /*   0: the block's first row */
    int32_t x_stride;          /*   4: between its rows */
    const int8_t *w;           /*   8: the first channel's right row */
    int32_t n;                 /*  12: values per row, > 0 */
    const int32_t *params;     /*  16: th_mve_channel_params */
    int32_t offset;            /*  20: output zero point */
    int8_t *out;               /*  24: the first channel's output of the first row */
    const int32_t *params_end; /*  28 */
    int32_t w_adjust;          /*  32: n less n rounded up to 16 (the loop moves w on by the latter) */
    int32_t n16;               /*  36: n rounded up to 16 */
    int32_t pad[2];
    uint32_t apart[4];         /*  48: the four outputs' offsets (a row apart) */
    int32_t act_min[4];        /*  64 */
    int32_t act_max[4];        /*  80 */
} block_job;

#if defined(TH_KERNELS_MVE_PORTABLE)
static void block_channels(block_job *j)
{
    uint32x4_t apart;
    for (int i = 0; i < 4; ++i) {
        apart.v[i] = j->apart[i];
    }
    const int8_t *w = j->w;
    int8_t *out = j->out;
    for (const int32_t *p = j->params; p != j->params_end; p += 3, w += j->n, ++out) {
        th_mve_quant qc;
        qc.multiplier = vdupq_n_s32(p[1]);
        qc.left = vdupq_n_s32((int32_t)(uint8_t)p[2]);
        qc.right = vdupq_n_s32((int8_t)(uint8_t)((uint32_t)p[2] >> 8));
        const int32x4_t a = dot_rows4(j->x, j->x_stride, w, j->n, p[0]);
        vstrbq_scatter_offset_s32(out, apart, th_mve_output(a, &qc, j->offset, j->act_min[0], j->act_max[0]));
    }
}
#else
_Static_assert(sizeof(void *) == 4, "block_job layout");
/* Registers: r0 r2 r4 r6 the accumulators (r0 then the shifts), r1 r3 r5 r7
 * the rows (moved back by r11 = n16 after each channel), r8 the right row,
 * r9 the channel parameters, r10 the outputs, r12 the job, lr what is read
 * between the loops; q0 q1 the values, q2-q4 the channel's quantization, q5
 * the offsets, q6 q7 the clamp. */
__attribute__((naked, noinline)) static void block_channels(block_job *j)
{
    __asm__ volatile(
        MVE_ASM_ENTER
        "vldrw.32 q5, [r12, #48]\n\t"
        "vldrw.32 q6, [r12, #64]\n\t"
        "vldrw.32 q7, [r12, #80]\n\t"
        "ldr r1, [r12]\n\t"
        "ldr lr, [r12, #4]\n\t"
        "add r3, r1, lr\n\t"
        "add r5, r3, lr\n\t"
        "add r7, r5, lr\n\t"
        "ldr r8, [r12, #8]\n\t"
        "ldr r9, [r12, #16]\n\t"
        "ldr r10, [r12, #24]\n\t"
        "ldr r11, [r12, #36]\n\t"
        "2:\n\t"
        "ldr r0, [r9], #4\n\t"
        "mov r2, r0\n\t"
        "mov r4, r0\n\t"
        "mov r6, r0\n\t"
        "ldr lr, [r12, #12]\n\t"
        "dlstp.8 lr, lr\n"
        "1:\n\t"
        MVE_ASM_DOT4_PASS
        "letp lr, 1b\n\t"
        "vmov q0[2], q0[0], r0, r4\n\t"
        "vmov q0[3], q0[1], r2, r6\n\t"
        "ldr lr, [r9], #4\n\t"
        "vdup.32 q2, lr\n\t"
        "ldr lr, [r9], #4\n\t"
        "uxtb r0, lr\n\t"
        "vdup.32 q3, r0\n\t"
        "sxtb r0, lr, ror #8\n\t"
        "vdup.32 q4, r0\n\t"
        MVE_ASM_REQUANTIZE
        "ldr lr, [r12, #20]\n\t"
        "vadd.i32 q0, q0, lr\n\t"
        MVE_ASM_CLAMP_STORE
        "add r10, r10, #1\n\t"
        "sub r1, r1, r11\n\t"
        "sub r3, r3, r11\n\t"
        "sub r5, r5, r11\n\t"
        "sub r7, r7, r11\n\t"
        "ldr lr, [r12, #32]\n\t"
        "add r8, r8, lr\n\t"
        "ldr lr, [r12, #28]\n\t"
        "cmp r9, lr\n\t"
        "bne 2b\n\t"
        MVE_ASM_LEAVE);
}
#endif

void th_mve_channel_params(const th_channel_quant *q, const int32_t *bias, int32_t lhs_offset, const int8_t *rhs,
                           int32_t depth, int32_t cols, int32_t *params)
{
    for (int32_t c = 0; c < cols; ++c, params += 3) {
        const th_dsp_quant d = th_dsp_quant_of(q, c);
        const int32_t right = d.left > 0 ? 0 : -(d.right1 + 1);
        params[0] = th_mve_base(bias != NULL ? bias[c] : 0, lhs_offset, th_mve_row_sum(rhs + (size_t)c * depth, depth));
        params[1] = d.multiplier;
        params[2] = (int32_t)(((uint32_t)d.left & 0xFFu) | ((uint32_t)right & 0xFFu) << 8);
    }
}

void th_mve_block_by_channels(const th_mve_matmul *m, const int32_t *params)
{
    block_job j;
    j.x = m->lhs;
    j.x_stride = m->lhs_stride;
    j.w = m->rhs;
    j.n = m->depth;
    j.n16 = (m->depth + 15) & ~15;
    j.w_adjust = m->depth - j.n16;
    j.params = params;
    j.params_end = params + 3 * m->cols;
    j.offset = m->o.offset;
    j.out = m->out;
    for (int32_t i = 0; i < 4; ++i) {
        j.apart[i] = (uint32_t)(i * m->out_stride);
        j.act_min[i] = m->o.act_min;
        j.act_max[i] = m->o.act_max;
    }
    block_channels(&j);
}

/* One left row x by four right rows w0..w3 over n > 0 values:
 * lane i = sum_k (x[k] + lhs_offset) wi[k], as the dot products
 * plus lhs_offset times the right rows' sums.  Two passes of the loop, each
 * with two right rows and their sums (VADDVA; four sums and four accumulators
 * would want more even registers than there are): rows 0 and 2, then 1 and 3,
 * whose results go to lanes (0, 2) and (1, 3) by two-lane VMOVs. */
#if defined(TH_KERNELS_MVE_PORTABLE)
static inline int32x4_t dot_cols4(const int8_t *x, const int8_t *w0, const int8_t *w1, const int8_t *w2,
                                  const int8_t *w3, int32_t n, int32_t lhs_offset)
{
    const int8_t *w[4] = {w0, w1, w2, w3};
    int32_t acc[4] = {0, 0, 0, 0}, sum[4] = {0, 0, 0, 0};
    for (int32_t k = 0; k < n; k += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - k));
        const int8x16_t xv = vldrbq_z_s8(x + k, p);
        for (int i = 0; i < 4; ++i) {
            const int8x16_t wv = vldrbq_z_s8(w[i] + k, p);
            acc[i] = vmladavaq_s8(acc[i], xv, wv);
            sum[i] = vaddvaq_s8(sum[i], wv);
        }
    }
    return vmlaq_n_s32(pack4(acc[0], acc[1], acc[2], acc[3]), pack4(sum[0], sum[1], sum[2], sum[3]),
                       lhs_offset);
}
#else
static inline int32x4_t dot_cols4(const int8_t *x, const int8_t *w0, const int8_t *w1, const int8_t *w2,
                                  const int8_t *w3, int32_t n, int32_t lhs_offset)
{
    int32x4_t acc, sum;
    int32_t a0, a1, s0, s1;
    const int8_t *xa;
    __asm__ volatile("mov %[xa], %[x]\n\t"
                     "movs %[a0], #0\n\t"
                     "movs %[a1], #0\n\t"
                     "movs %[s0], #0\n\t"
                     "movs %[s1], #0\n\t"
                     "dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[xa]], #16\n\t"
                     "vldrb.8 q1, [%[w0]], #16\n\t"
                     "vmladava.s8 %[a0], q0, q1\n\t"
                     "vaddva.s8 %[s0], q1\n\t"
                     "vldrb.8 q1, [%[w2]], #16\n\t"
                     "vmladava.s8 %[a1], q0, q1\n\t"
                     "vaddva.s8 %[s1], q1\n\t"
                     "letp lr, 1b\n\t"
                     "vmov %q[acc][2], %q[acc][0], %[a0], %[a1]\n\t"
                     "vmov %q[sum][2], %q[sum][0], %[s0], %[s1]\n\t"
                     "mov %[xa], %[x]\n\t"
                     "movs %[a0], #0\n\t"
                     "movs %[a1], #0\n\t"
                     "movs %[s0], #0\n\t"
                     "movs %[s1], #0\n\t"
                     "dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[xa]], #16\n\t"
                     "vldrb.8 q1, [%[w1]], #16\n\t"
                     "vmladava.s8 %[a0], q0, q1\n\t"
                     "vaddva.s8 %[s0], q1\n\t"
                     "vldrb.8 q1, [%[w3]], #16\n\t"
                     "vmladava.s8 %[a1], q0, q1\n\t"
                     "vaddva.s8 %[s1], q1\n\t"
                     "letp lr, 1b\n\t"
                     "vmov %q[acc][3], %q[acc][1], %[a0], %[a1]\n\t"
                     "vmov %q[sum][3], %q[sum][1], %[s0], %[s1]\n\t"
                     "vmla.s32 %q[acc], %q[sum], %[off]"
                     : [acc] "=&w"(acc), [sum] "=&w"(sum), [a0] "=&Te"(a0), [a1] "=&Te"(a1), [s0] "=&Te"(s0),
                       [s1] "=&Te"(s1), [xa] "=&r"(xa), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3)
                     : [x] "r"(x), [n] "r"(n), [off] "r"(lhs_offset)
                     : "q0", "q1", "lr", "memory");
    return acc;
}
#endif

/* Row x by every channel, four at a time; the last block of fewer than four
 * channels reads the last one's filter row again in their place and stores
 * only its own. */
static TH_DSP_NOINLINE void row_by_cols(const th_mve_matmul *m, const th_channel_quant *q, const int8_t *x,
                                        int8_t *out)
{
    const int32_t depth = m->depth, cols = m->cols, cols4 = cols & ~3;
    const th_dsp_out o = m->o;
    const int8_t *w = m->rhs;
    for (int32_t c0 = 0; c0 < cols4; c0 += 4, w += 4 * (size_t)depth) {
        int32x4_t a = dot_cols4(x, w, w + depth, w + 2 * depth, w + 3 * depth, depth, m->lhs_offset);
        if (m->bias != NULL) {
            a = vaddq_s32(a, vldrwq_s32(m->bias + c0));
        }
        const th_mve_quant qv = th_mve_quant_of(q, c0, 4);
        vstrbq_s32(out + c0, th_mve_output(a, &qv, o.offset, o.act_min, o.act_max));
    }
    const int32_t count = cols - cols4;
    if (count > 0) {
        const int8_t *last = m->rhs + (size_t)(cols - 1) * depth;
        int32x4_t a = dot_cols4(x, w, count > 1 ? w + depth : last, count > 2 ? w + 2 * depth : last, last, depth,
                                m->lhs_offset);
        const mve_pred16_t p = vctp32q((uint32_t)count);
        if (m->bias != NULL) {
            a = vaddq_s32(a, vldrwq_z_s32(m->bias + cols4, p));
        }
        const th_mve_quant qv = th_mve_quant_of(q, cols4, count);
        vstrbq_p_s32(out + cols4, th_mve_output(a, &qv, o.offset, o.act_min, o.act_max), p);
    }
}

void th_mve_mat_mult(const th_mve_matmul *m, const th_channel_quant *q)
{
    const int32_t depth = m->depth, rows4 = m->rows & ~3, blocks = rows4 / 4;
    if (rows4 > 0) {
        /* Rows a multiple of sixteen bytes long, one after the other: block b takes rows b, b + blocks,
         * b + 2 blocks, b + 3 blocks, so that the loop leaves the rows where the next block starts. */
        const int in_place = m->lhs_stride == ((depth + 15) & ~15);
        const int eight = depth == 8 && m->lhs_stride == 8; /* two rows per vector */
        rows4_job j;
        j.x_stride = in_place ? blocks * m->lhs_stride : m->lhs_stride;
        j.x_adjust = in_place ? 0 : 4 * m->lhs_stride - ((depth + 15) & ~15);
        j.n = depth;
        j.offset = m->o.offset;
        j.out_step = in_place ? m->out_stride : 4 * m->out_stride;
        for (int32_t i = 0; i < 4; ++i) {
            j.apart[i] = (uint32_t)(i * (in_place ? blocks : 1) * m->out_stride);
            j.act_min[i] = m->o.act_min;
            j.act_max[i] = m->o.act_max;
        }
        for (int32_t c = 0; c < m->cols; ++c) {
            const th_mve_quant qc = th_mve_quant_channel(q, c);
            vstrwq_s32(j.multiplier, qc.multiplier);
            vstrwq_s32(j.left, qc.left);
            vstrwq_s32(j.right, qc.right);
            j.w = m->rhs + (size_t)c * depth;
            if (eight) {
                memcpy(j.w_twice, j.w, 8);
                memcpy(j.w_twice + 8, j.w, 8);
            }
            j.base = m->bases != NULL ? m->bases[c]
                                      : th_mve_base(m->bias != NULL ? m->bias[c] : 0, m->lhs_offset,
                                                    th_mve_row_sum(j.w, depth));
            j.x = m->lhs;
            j.out = m->out + c;
            j.blocks = blocks;
            if (eight) {
                rows4_channel_eight(&j);
            } else if (in_place && depth == 16) {
                rows4_channel_sixteen(&j);
            } else if (in_place) {
                rows4_channel_in_place(&j);
            } else {
                rows4_channel(&j);
            }
        }
    }
    for (int32_t r = rows4; r < m->rows; ++r) {
        row_by_cols(m, q, m->lhs + (size_t)r * m->lhs_stride, m->out + (size_t)r * m->out_stride);
    }
}

#endif
