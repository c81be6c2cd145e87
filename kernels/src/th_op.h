/* Internal: the interface between the runtime and one op's glue code.
 * Each op file (src/ops/<op>.c) defines a `validate` that checks everything
 * the plan says about that op, and an `eval` that calls the kernel.  The
 * runtime has already checked tensor indices, dtypes, ranks, dims, byte sizes
 * and storage bounds, and that params lie inside the constant region. */
#ifndef TH_OP_H
#define TH_OP_H
#include "tinyhil/th_kernels.h"
#include "tinyhil/th_runtime.h"

typedef struct {
    int32_t op_index;
    th_op_record record;
    uint32_t record_offset;            /* byte offset of the op record in the plan */
    uint8_t num_inputs;                /* as in the record (absent optional inputs count) */
    uint8_t num_outputs;
    /* Set for i < the kernel's max_inputs: NULL where the input is absent or past num_inputs. */
    const th_tensor *inputs[TH_MAX_OP_INPUTS];
    int32_t input_index[TH_MAX_OP_INPUTS];     /* tensor indices, -1 where absent */
    const th_tensor *outputs[TH_MAX_OP_OUTPUTS]; /* set for o < num_outputs */
    int32_t output_indices[TH_MAX_OP_OUTPUTS];
    const th_tensor *output;           /* outputs[0], which every op has */
    int32_t output_index;
    const uint8_t *params;             /* validated: params_bytes inside the constant region */
    const uint8_t *const_base;
    uint32_t const_size;
    uint32_t const_offset;             /* plan offset of the constant region (for errors) */
    th_scratch scratch;
} th_op_ctx;

typedef struct {
    uint8_t min_inputs;
    uint8_t max_inputs;
    uint8_t min_outputs;
    uint8_t max_outputs;
    th_status (*validate)(const th_op_ctx *ctx, th_error *err);
    void (*eval)(const th_op_ctx *ctx);
    /* Bytes of scratch eval wants for these shapes (NULL: none). */
    uint32_t (*scratch_bytes)(const th_op_ctx *ctx);
} th_op_kernel;

/* One op of the build's op set. */
typedef struct {
    uint16_t op_type;
    const th_op_kernel *kernel;
} th_op_entry;

/* --- helpers for validate/eval, in runtime.c --- */

/* Fills err and returns `status`; never returns TH_OK. */
th_status th_op_fail(const th_op_ctx *ctx, th_error *err, th_status status, int32_t tensor_index,
                     uint32_t field, int64_t expected, int64_t got);

/* Copies the op's params into `dst` after checking params_bytes == bytes. */
th_status th_op_params(const th_op_ctx *ctx, void *dst, uint32_t bytes, th_error *err);

/* Resolves an int32 array of `count` elements at a constant-region offset,
 * checking bounds and alignment.  err may be NULL in eval (already checked). */
th_status th_op_const_i32(const th_op_ctx *ctx, uint32_t offset, int32_t count,
                          const int32_t **out, th_error *err);

/* Right-aligned 4-D view of a tensor's shape (missing leading dims are 1;
 * dims before the last four are folded into n). */
th_dims th_tensor_dims(const th_tensor *t);

/* Element count of a tensor. */
int32_t th_tensor_elements(const th_tensor *t);

/* Common parameter checks, each failing with TH_ERR_BAD_PARAMS and the field. */
th_status th_op_check_activation(const th_op_ctx *ctx, uint32_t min_offset, uint32_t max_offset,
                                 int32_t act_min, int32_t act_max, th_error *err);
/* The same for an op whose output may be int16 (`dtype`): the clamp within int16 then. */
th_status th_check_activation_for(const th_op_ctx *ctx, uint8_t dtype, uint32_t min_offset, uint32_t max_offset,
                                  int32_t act_min, int32_t act_max, th_error *err);
#define TH_CHECK_ACTIVATION_FOR(ctx, dtype, params, err)                                                 \
    th_check_activation_for((ctx), (dtype), TH_FIELD_OFFSET(params, act_min), TH_FIELD_OFFSET(params, act_max), \
                            (params).act_min, (params).act_max, (err))
/* The fused-activation clamp of a params struct with act_min/act_max fields. */
#define TH_CHECK_ACTIVATION(ctx, params, err)                                                  \
    th_op_check_activation((ctx), TH_FIELD_OFFSET(params, act_min), TH_FIELD_OFFSET(params, act_max), \
                           (params).act_min, (params).act_max, (err))
/* The op's output requantization (1 or `channels` entries), checked: bounds,
 * and every multiplier and shift in TFLM's range. */
th_status th_op_check_quant(const th_op_ctx *ctx, const th_quant_ref *ref, int32_t channels,
                            th_channel_quant *out, th_error *err);
/* The same, unchecked, for eval (after th_op_check_quant passed in validate). */
void th_op_quant(const th_op_ctx *ctx, const th_quant_ref *ref, th_channel_quant *out);
th_status th_op_check_range(const th_op_ctx *ctx, int32_t value, int32_t lo, int32_t hi, th_error *err);
/* An elementwise int8 -> int8 op: input 0 present, both int8, the same byte count. */
th_status th_op_check_unary_s8(const th_op_ctx *ctx, th_error *err);

/* The byte offset of `field` within the params struct value `params`. */
#define TH_FIELD_OFFSET(params, field) ((uint32_t)((const char *)&(params).field - (const char *)&(params)))

/* Like th_op_check_range for a field of the op's params struct: the error's
 * byte offset then points at that field, so the host can name it. */
th_status th_op_check_param(const th_op_ctx *ctx, uint32_t field_offset, int32_t value, int32_t lo, int32_t hi,
                            th_error *err);
#define TH_CHECK_PARAM(ctx, params, field, lo, hi, err)                                               \
    th_op_check_param((ctx), TH_FIELD_OFFSET(params, field), (params).field, (lo), (hi), (err))

/* The op set this engine was built with (op_table.c), and the lookup into it:
 * NULL for an op type outside the set. */
extern const th_op_entry th_op_table[];
extern const uint32_t th_op_table_count;
const th_op_kernel *th_op_kernel_for(uint32_t op_type);

/* Each op file exports its kernel descriptor under this name. */
#define TH_OP_KERNEL(name) th_op_kernel_##name
#define TH_OP_DECLARE(name, id) extern const th_op_kernel TH_OP_KERNEL(name);
TH_OP_LIST(TH_OP_DECLARE)
#undef TH_OP_DECLARE

#endif
