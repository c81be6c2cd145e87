/* Plan loading (all validation happens here, once) and invocation. */
#include <stddef.h>
#include <string.h>

#include "th_op.h"

#define TH_MAX_TENSOR_BYTES 0x7FFFFFFFu

static const uint32_t dtype_sizes[] = {
    0,
#define TH_DTYPE_SIZE(name, id, size) size,
    TH_DTYPE_LIST(TH_DTYPE_SIZE)
#undef TH_DTYPE_SIZE
};
#define TH_DTYPE_MAX ((uint32_t)(sizeof(dtype_sizes) / sizeof(dtype_sizes[0])) - 1)

const char *th_status_name(th_status status)
{
    switch (status) {
#define TH_STATUS_CASE(name, value) case name: return #name;
        TH_STATUS_LIST(TH_STATUS_CASE)
#undef TH_STATUS_CASE
    }
    return "TH_ERR_UNKNOWN";
}

const char *th_op_name(uint32_t op_type)
{
    switch (op_type) {
#define TH_OP_CASE(name, id) case id: return #name;
        TH_OP_LIST(TH_OP_CASE)
#undef TH_OP_CASE
    default: return "UNKNOWN";
    }
}

uint32_t th_crc32(uint32_t crc, const uint8_t *data, uint32_t len)
{
    crc = ~crc;
    for (uint32_t i = 0; i < len; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static th_status report(th_error *err, th_status status, int32_t op_index, int32_t op_type,
                        int32_t tensor_index, uint32_t byte_offset, uint32_t field,
                        int64_t expected, int64_t got)
{
    if (err != NULL) {
        err->status = status;
        err->op_index = op_index;
        err->op_type = op_type;
        err->tensor_index = tensor_index;
        err->byte_offset = byte_offset;
        err->field = field;
        err->expected = expected;
        err->got = got;
    }
    return status;
}

static th_status plan_error(th_error *err, th_status status, uint32_t byte_offset, uint32_t field,
                            int64_t expected, int64_t got)
{
    return report(err, status, -1, -1, -1, byte_offset, field, expected, got);
}

static void clear_error(th_error *err)
{
    (void)report(err, TH_OK, -1, -1, -1, 0, TH_FIELD_NONE, 0, 0);
}

/* A section [offset, offset + count * size) must lie inside [0, limit). */
static int section_fits(uint32_t offset, uint32_t count, uint32_t size, uint32_t limit)
{
    return (uint64_t)offset + (uint64_t)count * size <= limit;
}

th_status th_plan_read_header(const void *plan, uint32_t plan_bytes, th_plan_header *header, th_error *err)
{
    clear_error(err);
    if (plan == NULL || header == NULL) {
        return plan_error(err, TH_ERR_ARGUMENT, 0, TH_FIELD_NONE, 0, 0);
    }
    if (((uintptr_t)plan & 3u) != 0) {
        return plan_error(err, TH_ERR_ALIGNMENT, 0, TH_FIELD_ALIGNMENT, 4, (int64_t)((uintptr_t)plan & 3u));
    }
    if (plan_bytes < sizeof(th_plan_header)) {
        return plan_error(err, TH_ERR_TRUNCATED, 0, TH_FIELD_SIZE, (int64_t)sizeof(th_plan_header), plan_bytes);
    }
    memcpy(header, plan, sizeof(*header));
    if (header->magic != TH_PLAN_MAGIC) {
        return plan_error(err, TH_ERR_BAD_MAGIC, offsetof(th_plan_header, magic), TH_FIELD_MAGIC,
                          TH_PLAN_MAGIC, header->magic);
    }
    if (header->version_major != TH_PLAN_VERSION_MAJOR) {
        return plan_error(err, TH_ERR_VERSION, offsetof(th_plan_header, version_major), TH_FIELD_VERSION,
                          TH_PLAN_VERSION_MAJOR, header->version_major);
    }
    if (header->total_size < sizeof(th_plan_header) || header->total_size > plan_bytes) {
        return plan_error(err, TH_ERR_TRUNCATED, offsetof(th_plan_header, total_size), TH_FIELD_SIZE,
                          header->total_size, plan_bytes);
    }
    const uint32_t covered_from = offsetof(th_plan_header, arena_bytes);
    const uint32_t crc = th_crc32(0, (const uint8_t *)plan + covered_from, header->total_size - covered_from);
    if (crc != header->crc32) {
        return plan_error(err, TH_ERR_CRC, offsetof(th_plan_header, crc32), TH_FIELD_CRC, header->crc32, crc);
    }
    return TH_OK;
}

static const uint8_t *plan_at(const th_model *model, uint32_t offset)
{
    return model->plan + offset;
}

static th_tensor_record read_tensor_record(const th_model *model, uint32_t index)
{
    th_tensor_record rec;
    memcpy(&rec, plan_at(model, model->header.tensors_offset + index * (uint32_t)sizeof(rec)), sizeof(rec));
    return rec;
}

static th_op_record read_op_record(const th_model *model, uint32_t index)
{
    th_op_record rec;
    memcpy(&rec, plan_at(model, model->header.ops_offset + index * (uint32_t)sizeof(rec)), sizeof(rec));
    return rec;
}

static int32_t read_dim(const th_model *model, uint32_t position)
{
    int32_t value;
    memcpy(&value, plan_at(model, model->header.dims_offset + position * 4u), sizeof(value));
    return value;
}

static uint16_t read_io_index(const th_model *model, uint32_t position)
{
    uint16_t value;
    memcpy(&value, plan_at(model, model->header.io_offset + position * 2u), sizeof(value));
    return value;
}

static uint16_t read_operand(const th_model *model, uint32_t position)
{
    uint16_t value;
    memcpy(&value, plan_at(model, model->header.operands_offset + position * 2u), sizeof(value));
    return value;
}

/* Only after validate_tensor: dims in the list and in range, the product bounded. */
static void resolve_tensor(const th_model *model, uint32_t index, th_tensor *out)
{
    const th_tensor_record rec = read_tensor_record(model, index);
    /* The dims list is 4-byte aligned in a 4-byte aligned plan (checked at load). */
    const int32_t *dims = (const int32_t *)(const void *)plan_at(model, model->header.dims_offset) + rec.first_dim;
    uint32_t bytes = dtype_sizes[rec.dtype];
    uint32_t d = 0;
    for (; d < rec.rank; ++d) {
        out->dims[d] = dims[d];
        bytes *= (uint32_t)dims[d];
    }
    for (; d < TH_MAX_RANK; ++d) {
        out->dims[d] = 1;
    }
    out->dtype = rec.dtype;
    out->rank = rec.rank;
    out->zero_point = rec.zero_point;
    out->bytes = bytes;
    out->data = rec.storage == TH_STORAGE_CONST ? (void *)(uintptr_t)(model->const_base + rec.offset)
                                                : (void *)(model->arena + rec.offset);
}

static th_status validate_tensor(const th_model *model, uint32_t index, th_error *err)
{
    const uint32_t at = model->header.tensors_offset + index * (uint32_t)sizeof(th_tensor_record);
    const th_tensor_record rec = read_tensor_record(model, index);
    const int32_t t = (int32_t)index;
    if (rec.dtype == 0 || rec.dtype > TH_DTYPE_MAX) {
        return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, at + offsetof(th_tensor_record, dtype), TH_FIELD_TYPE,
                      TH_DTYPE_MAX, rec.dtype);
    }
    if (rec.rank > TH_MAX_RANK) {
        return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, at + offsetof(th_tensor_record, rank), TH_FIELD_RANK,
                      TH_MAX_RANK, rec.rank);
    }
    if (!section_fits(rec.first_dim, rec.rank, 1, model->header.num_dims)) {
        return report(err, TH_ERR_BOUNDS, -1, -1, t, at + offsetof(th_tensor_record, first_dim), TH_FIELD_OFFSET,
                      (int64_t)model->header.num_dims - rec.rank, rec.first_dim);
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < rec.rank; ++d) {
        const uint32_t dim_at = model->header.dims_offset + 4u * (rec.first_dim + d);
        const int32_t dim = read_dim(model, rec.first_dim + d);
        if (dim < 1 || dim > TH_MAX_DIM) {
            return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, dim_at, TH_FIELD_DIM, 1, dim);
        }
        elements *= (uint64_t)dim;
        if (elements > TH_MAX_TENSOR_BYTES) {
            return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, dim_at, TH_FIELD_DIM, TH_MAX_TENSOR_BYTES,
                          (int64_t)elements);
        }
    }
    const uint64_t bytes = elements * dtype_sizes[rec.dtype];
    if (bytes > TH_MAX_TENSOR_BYTES) {
        return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, at + offsetof(th_tensor_record, dtype), TH_FIELD_BYTES,
                      TH_MAX_TENSOR_BYTES, (int64_t)bytes);
    }
    uint32_t limit;
    if (rec.storage == TH_STORAGE_ARENA) {
        limit = model->header.arena_bytes;
    } else if (rec.storage == TH_STORAGE_CONST) {
        limit = model->header.const_size;
    } else {
        return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, at + offsetof(th_tensor_record, storage), TH_FIELD_TYPE,
                      TH_STORAGE_CONST, rec.storage);
    }
    /* Both bases are 4-byte aligned (checked at load): kernels read whole elements. */
    if (rec.offset % dtype_sizes[rec.dtype] != 0) {
        return report(err, TH_ERR_BAD_TENSOR, -1, -1, t, at + offsetof(th_tensor_record, offset),
                      TH_FIELD_ALIGNMENT, dtype_sizes[rec.dtype], rec.offset % dtype_sizes[rec.dtype]);
    }
    if (!section_fits(rec.offset, (uint32_t)bytes, 1, limit)) {
        return report(err, TH_ERR_BOUNDS, -1, -1, t, at + offsetof(th_tensor_record, offset), TH_FIELD_OFFSET,
                      (int64_t)limit - (int64_t)bytes, rec.offset);
    }
    return TH_OK;
}

static th_status validate_sections(const th_model *model, th_error *err)
{
    const th_plan_header *h = &model->header;
    const uint32_t total = h->total_size;
    struct { uint32_t offset; uint32_t count; uint32_t size; uint32_t field_at; } sections[] = {
        {h->tensors_offset, h->num_tensors, (uint32_t)sizeof(th_tensor_record), offsetof(th_plan_header, tensors_offset)},
        {h->ops_offset, h->num_ops, (uint32_t)sizeof(th_op_record), offsetof(th_plan_header, ops_offset)},
        {h->io_offset, (uint32_t)h->num_inputs + h->num_outputs, 2u, offsetof(th_plan_header, io_offset)},
        {h->operands_offset, h->num_operands, 2u, offsetof(th_plan_header, operands_offset)},
        {h->dims_offset, h->num_dims, 4u, offsetof(th_plan_header, dims_offset)},
        {h->const_offset, h->const_size, 1u, offsetof(th_plan_header, const_offset)},
    };
    for (uint32_t i = 0; i < sizeof(sections) / sizeof(sections[0]); ++i) {
        if (sections[i].offset % 4u != 0) {
            return plan_error(err, TH_ERR_ALIGNMENT, sections[i].field_at, TH_FIELD_ALIGNMENT, 4, sections[i].offset % 4u);
        }
        if (sections[i].offset < sizeof(th_plan_header) ||
            !section_fits(sections[i].offset, sections[i].count, sections[i].size, total)) {
            return plan_error(err, TH_ERR_BOUNDS, sections[i].field_at, TH_FIELD_OFFSET,
                              (int64_t)total - (int64_t)sections[i].count * sections[i].size, sections[i].offset);
        }
    }
    if (h->num_ops == 0 || h->num_inputs == 0 || h->num_outputs == 0) {
        const uint32_t at = h->num_ops == 0 ? offsetof(th_plan_header, num_ops)
                          : h->num_inputs == 0 ? offsetof(th_plan_header, num_inputs)
                                               : offsetof(th_plan_header, num_outputs);
        return plan_error(err, TH_ERR_BOUNDS, at, TH_FIELD_COUNT, 1, 0);
    }
    return TH_OK;
}

static th_status validate_io(const th_model *model, th_error *err)
{
    const uint32_t count = (uint32_t)model->header.num_inputs + model->header.num_outputs;
    for (uint32_t i = 0; i < count; ++i) {
        const uint16_t index = read_io_index(model, i);
        const uint32_t at = model->header.io_offset + 2u * i;
        if (index >= model->header.num_tensors) {
            return plan_error(err, TH_ERR_BOUNDS, at, TH_FIELD_TENSOR_INDEX, model->header.num_tensors - 1, index);
        }
        if (read_tensor_record(model, index).storage != TH_STORAGE_ARENA) {
            return report(err, TH_ERR_BAD_TENSOR, -1, -1, index, at, TH_FIELD_TYPE, TH_STORAGE_ARENA, TH_STORAGE_CONST);
        }
    }
    return TH_OK;
}

/* Everything an op's validate/eval sees, decoded from its record. */
typedef struct {
    th_op_ctx ctx;
    th_tensor tensors[TH_MAX_OP_INPUTS + TH_MAX_OP_OUTPUTS];
} op_frame;
typedef char op_frame_fits_in_the_model[(sizeof(op_frame) <= TH_OP_FRAME_BYTES) ? 1 : -1];

static op_frame *model_frame(th_model *model)
{
    return (op_frame *)(void *)model->op_frame.bytes;
}

uint32_t th_model_struct_bytes(void)
{
    return (uint32_t)sizeof(th_model);
}

/* Only after validate_op's record checks (operand run and indices in range).
 * inputs[] is filled up to the kernel's max_inputs (NULL past num_inputs),
 * outputs[] up to num_outputs: per op, only what the kernel can look at. */
static const th_op_kernel *decode_op(const th_model *model, uint32_t index, op_frame *frame)
{
    th_op_ctx *ctx = &frame->ctx;
    ctx->op_index = (int32_t)index;
    ctx->record = read_op_record(model, index);
    const th_op_kernel *kernel = th_op_kernel_for(ctx->record.op_type);
    ctx->record_offset = model->header.ops_offset + index * (uint32_t)sizeof(th_op_record);
    ctx->num_inputs = ctx->record.num_inputs;
    ctx->num_outputs = ctx->record.num_outputs;
    for (uint32_t i = 0; i < kernel->max_inputs; ++i) {
        const uint16_t t = i < ctx->num_inputs ? read_operand(model, ctx->record.first_operand + i) : TH_NO_TENSOR;
        ctx->inputs[i] = NULL;
        ctx->input_index[i] = -1;
        if (t != TH_NO_TENSOR) {
            resolve_tensor(model, t, &frame->tensors[i]);
            ctx->inputs[i] = &frame->tensors[i];
            ctx->input_index[i] = t;
        }
    }
    for (uint32_t o = 0; o < ctx->num_outputs; ++o) {
        const uint16_t t = read_operand(model, ctx->record.first_operand + ctx->num_inputs + o);
        resolve_tensor(model, t, &frame->tensors[TH_MAX_OP_INPUTS + o]);
        ctx->outputs[o] = &frame->tensors[TH_MAX_OP_INPUTS + o];
        ctx->output_indices[o] = t;
    }
    ctx->output = ctx->outputs[0];
    ctx->output_index = ctx->output_indices[0];
    ctx->params = model->const_base + ctx->record.params_offset;
    ctx->const_base = model->const_base;
    ctx->const_size = model->header.const_size;
    ctx->const_offset = model->header.const_offset;
    ctx->scratch.buf = ctx->record.scratch_bytes ? model->arena + ctx->record.scratch_offset : NULL;
    ctx->scratch.bytes = ctx->record.scratch_bytes;
    return kernel;
}

static th_status validate_op(th_model *model, uint32_t index, th_error *err)
{
    const uint32_t at = model->header.ops_offset + index * (uint32_t)sizeof(th_op_record);
    const th_op_record rec = read_op_record(model, index);
    const int32_t op = (int32_t)index;
    const th_op_kernel *kernel = th_op_kernel_for(rec.op_type);
    if (kernel == NULL) { /* not an op type, or not in this build's op set */
        return report(err, TH_ERR_BAD_OP, op, rec.op_type, -1, at + offsetof(th_op_record, op_type), TH_FIELD_TYPE,
                      -1, rec.op_type);
    }
    if (rec.num_inputs < kernel->min_inputs || rec.num_inputs > kernel->max_inputs) {
        return report(err, TH_ERR_BAD_OP, op, rec.op_type, -1, at + offsetof(th_op_record, num_inputs), TH_FIELD_COUNT,
                      rec.num_inputs < kernel->min_inputs ? kernel->min_inputs : kernel->max_inputs, rec.num_inputs);
    }
    const uint32_t min_outputs = kernel->min_outputs > 0 ? kernel->min_outputs : 1;
    const uint32_t max_outputs = kernel->max_outputs;
    if (rec.num_outputs < min_outputs || rec.num_outputs > max_outputs || rec.num_outputs > TH_MAX_OP_OUTPUTS) {
        return report(err, TH_ERR_BAD_OP, op, rec.op_type, -1, at + offsetof(th_op_record, num_outputs), TH_FIELD_COUNT,
                      rec.num_outputs < min_outputs ? min_outputs : max_outputs, rec.num_outputs);
    }
    const uint32_t operands = (uint32_t)rec.num_inputs + rec.num_outputs;
    if (!section_fits(rec.first_operand, operands, 1, model->header.num_operands)) {
        return report(err, TH_ERR_BOUNDS, op, rec.op_type, -1, at + offsetof(th_op_record, first_operand),
                      TH_FIELD_OFFSET, (int64_t)model->header.num_operands - operands, rec.first_operand);
    }
    for (uint32_t i = 0; i < operands; ++i) {
        const uint16_t t = read_operand(model, rec.first_operand + i);
        const uint32_t field_at = model->header.operands_offset + 2u * (rec.first_operand + i);
        const int is_output = i >= rec.num_inputs;
        if (t == TH_NO_TENSOR && !is_output && i >= kernel->min_inputs) {
            continue; /* an absent optional input */
        }
        if (t >= model->header.num_tensors) {
            return report(err, TH_ERR_BOUNDS, op, rec.op_type, t, field_at, TH_FIELD_TENSOR_INDEX,
                          model->header.num_tensors - 1, t);
        }
        if (is_output && read_tensor_record(model, t).storage != TH_STORAGE_ARENA) {
            return report(err, TH_ERR_BAD_TENSOR, op, rec.op_type, t, field_at, TH_FIELD_TYPE, TH_STORAGE_ARENA,
                          TH_STORAGE_CONST);
        }
    }
    if (rec.params_offset % 4u != 0 || !section_fits(rec.params_offset, rec.params_bytes, 1, model->header.const_size)) {
        return report(err, TH_ERR_BOUNDS, op, rec.op_type, -1, at + offsetof(th_op_record, params_offset),
                      TH_FIELD_OFFSET, model->header.const_size, rec.params_offset);
    }
    if (rec.scratch_offset % 4u != 0 || !section_fits(rec.scratch_offset, rec.scratch_bytes, 1, model->header.arena_bytes)) {
        return report(err, TH_ERR_BOUNDS, op, rec.op_type, -1, at + offsetof(th_op_record, scratch_offset),
                      TH_FIELD_OFFSET, model->header.arena_bytes, rec.scratch_offset);
    }
    op_frame *frame = model_frame(model);
    (void)decode_op(model, index, frame);
    if (kernel->scratch_bytes != NULL) {
        const uint32_t wanted = kernel->scratch_bytes(&frame->ctx);
        if (rec.scratch_bytes < wanted) {
            return report(err, TH_ERR_BAD_OP, op, rec.op_type, -1, at + offsetof(th_op_record, scratch_bytes),
                          TH_FIELD_BYTES, wanted, rec.scratch_bytes);
        }
    }
    return kernel->validate(&frame->ctx, err);
}

th_status th_model_load(th_model *model, const void *plan, uint32_t plan_bytes,
                        void *arena, uint32_t arena_bytes, th_error *err)
{
    if (model == NULL) {
        return plan_error(err, TH_ERR_ARGUMENT, 0, TH_FIELD_NONE, 0, 0);
    }
    memset(model, 0, sizeof(*model));
    th_status status = th_plan_read_header(plan, plan_bytes, &model->header, err);
    if (status != TH_OK) {
        return status;
    }
    model->plan = (const uint8_t *)plan;
    model->plan_bytes = model->header.total_size;
    model->const_base = model->plan + model->header.const_offset;
    if ((status = validate_sections(model, err)) != TH_OK) {
        return status;
    }
    if (arena == NULL || ((uintptr_t)arena & 3u) != 0) {
        return plan_error(err, arena == NULL ? TH_ERR_ARGUMENT : TH_ERR_ALIGNMENT, 0, TH_FIELD_ALIGNMENT, 4,
                          (int64_t)((uintptr_t)arena & 3u));
    }
    if (arena_bytes < model->header.arena_bytes) {
        return plan_error(err, TH_ERR_ARENA_TOO_SMALL, offsetof(th_plan_header, arena_bytes), TH_FIELD_ARENA,
                          model->header.arena_bytes, arena_bytes);
    }
    model->arena = (uint8_t *)arena;
    model->arena_bytes = arena_bytes;
    for (uint32_t t = 0; t < model->header.num_tensors; ++t) {
        if ((status = validate_tensor(model, t, err)) != TH_OK) {
            return status;
        }
    }
    if ((status = validate_io(model, err)) != TH_OK) {
        return status;
    }
    for (uint32_t i = 0; i < model->header.num_ops; ++i) {
        if ((status = validate_op(model, i, err)) != TH_OK) {
            return status;
        }
    }
    model->loaded = 1;
    clear_error(err);
    return TH_OK;
}

th_status th_model_invoke(th_model *model, th_error *err)
{
    if (model == NULL || !model->loaded) {
        return plan_error(err, TH_ERR_NOT_LOADED, 0, TH_FIELD_NONE, 1, 0);
    }
    const th_profiler *profiler = model->profiler;
    op_frame *frame = model_frame(model);
    for (uint32_t i = 0; i < model->header.num_ops; ++i) {
        const th_op_kernel *kernel = decode_op(model, i, frame);
        if (profiler == NULL) {
            kernel->eval(&frame->ctx);
        } else {
            profiler->op_begin(profiler->user, (uint16_t)i, frame->ctx.record.op_type);
            kernel->eval(&frame->ctx);
            profiler->op_end(profiler->user, (uint16_t)i, frame->ctx.record.op_type);
        }
    }
    clear_error(err);
    return TH_OK;
}

void th_model_set_profiler(th_model *model, const th_profiler *profiler)
{
    if (model != NULL) {
        model->profiler = (profiler != NULL && profiler->op_begin != NULL && profiler->op_end != NULL) ? profiler : NULL;
    }
}

uint32_t th_model_num_inputs(const th_model *model)
{
    return (model != NULL && model->loaded) ? model->header.num_inputs : 0;
}

uint32_t th_model_num_outputs(const th_model *model)
{
    return (model != NULL && model->loaded) ? model->header.num_outputs : 0;
}

static th_status io_tensor(const th_model *model, uint32_t position, th_tensor *tensor)
{
    if (model == NULL || !model->loaded || tensor == NULL) {
        return TH_ERR_NOT_LOADED;
    }
    resolve_tensor(model, read_io_index(model, position), tensor);
    return TH_OK;
}

th_status th_model_input(const th_model *model, uint32_t index, th_tensor *tensor)
{
    if (model == NULL || index >= th_model_num_inputs(model)) {
        return TH_ERR_ARGUMENT;
    }
    return io_tensor(model, index, tensor);
}

th_status th_model_output(const th_model *model, uint32_t index, th_tensor *tensor)
{
    if (model == NULL || index >= th_model_num_outputs(model)) {
        return TH_ERR_ARGUMENT;
    }
    return io_tensor(model, model->header.num_inputs + index, tensor);
}

/* ---- helpers for the op files ------------------------------------------ */

th_status th_op_fail(const th_op_ctx *ctx, th_error *err, th_status status, int32_t tensor_index,
                     uint32_t field, int64_t expected, int64_t got)
{
    const uint32_t at = field == TH_FIELD_PARAM ? ctx->const_offset + ctx->record.params_offset : ctx->record_offset;
    return report(err, status, ctx->op_index, ctx->record.op_type, tensor_index, at, field, expected, got);
}

th_status th_op_params(const th_op_ctx *ctx, void *dst, uint32_t bytes, th_error *err)
{
    if (ctx->record.params_bytes != bytes) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_SIZE, bytes, ctx->record.params_bytes);
    }
    memcpy(dst, ctx->params, bytes);
    return TH_OK;
}

th_status th_op_const_i32(const th_op_ctx *ctx, uint32_t offset, int32_t count,
                          const int32_t **out, th_error *err)
{
    if (count < 0 || offset % 4u != 0 || !section_fits(offset, (uint32_t)count, 4u, ctx->const_size)) {
        return th_op_fail(ctx, err, TH_ERR_BOUNDS, -1, TH_FIELD_OFFSET, ctx->const_size, offset);
    }
    *out = (const int32_t *)(const void *)(ctx->const_base + offset);
    return TH_OK;
}

th_dims th_tensor_dims(const th_tensor *t)
{
    int32_t d[4] = {1, 1, 1, 1};
    for (uint32_t i = 0; i < t->rank; ++i) {
        const uint32_t from_end = t->rank - 1u - i;
        if (from_end < 3) {
            d[3 - from_end] = t->dims[i];
        } else {
            d[0] *= t->dims[i];
        }
    }
    th_dims dims = {d[0], d[1], d[2], d[3]};
    return dims;
}

int32_t th_tensor_elements(const th_tensor *t)
{
    int32_t n = 1;
    for (uint32_t i = 0; i < t->rank; ++i) {
        n *= t->dims[i]; /* bounded at load: the product fits */
    }
    return n;
}

th_status th_op_check_range(const th_op_ctx *ctx, int32_t value, int32_t lo, int32_t hi, th_error *err)
{
    if (value < lo) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, lo, value);
    }
    if (value > hi) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_PARAM, hi, value);
    }
    return TH_OK;
}

th_status th_op_check_unary_s8(const th_op_ctx *ctx, th_error *err)
{
    const th_tensor *in = ctx->inputs[0], *out = ctx->output;
    if (in == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, 0, TH_NO_TENSOR);
    }
    if (in->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[0], TH_FIELD_TYPE, TH_DTYPE_INT8, in->dtype);
    }
    if (out->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8, out->dtype);
    }
    if (out->bytes != in->bytes) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_BYTES, in->bytes, out->bytes);
    }
    return TH_OK;
}

th_status th_op_check_param(const th_op_ctx *ctx, uint32_t field_offset, int32_t value, int32_t lo, int32_t hi,
                            th_error *err)
{
    const th_status status = th_op_check_range(ctx, value, lo, hi, err);
    if (status != TH_OK && err != NULL) {
        err->byte_offset += field_offset;
    }
    return status;
}

th_status th_op_check_activation(const th_op_ctx *ctx, uint32_t min_offset, uint32_t max_offset,
                                 int32_t act_min, int32_t act_max, th_error *err)
{
    th_status status = th_op_check_param(ctx, min_offset, act_min, -128, 127, err);
    if (status == TH_OK) {
        status = th_op_check_param(ctx, max_offset, act_max, act_min, 127, err);
    }
    return status;
}

th_status th_check_activation_for(const th_op_ctx *ctx, uint8_t dtype, uint32_t min_offset, uint32_t max_offset,
                                  int32_t act_min, int32_t act_max, th_error *err)
{
    if (dtype != TH_DTYPE_INT16) {
        return th_op_check_activation(ctx, min_offset, max_offset, act_min, act_max, err);
    }
    th_status s = th_op_check_param(ctx, min_offset, act_min, INT16_MIN, INT16_MAX, err);
    return s != TH_OK ? s : th_op_check_param(ctx, max_offset, act_max, act_min, INT16_MAX, err);
}

void th_op_quant(const th_op_ctx *ctx, const th_quant_ref *ref, th_channel_quant *out)
{
    out->words = (const uint32_t *)(const void *)(ctx->const_base + ref->words_offset);
    out->shifts = ref->shifts_offset == TH_PACKED_SHIFTS ? NULL : (const int8_t *)(ctx->const_base + ref->shifts_offset);
    out->count = ref->quant_count;
    out->shift_base = ref->shift_base;
}

th_status th_op_check_quant(const th_op_ctx *ctx, const th_quant_ref *ref, int32_t channels,
                            th_channel_quant *out, th_error *err)
{
    if (ref->quant_count != 1 && ref->quant_count != channels) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, -1, TH_FIELD_COUNT, channels, ref->quant_count);
    }
    const int32_t *words;
    th_status status = th_op_const_i32(ctx, ref->words_offset, ref->quant_count, &words, err);
    if (status != TH_OK) {
        return status;
    }
    if (ref->shifts_offset == TH_PACKED_SHIFTS) {
        /* Every packed entry decodes to a multiplier in [2^30, 2^31) and a shift in
         * [shift_base - 2, shift_base + 1]: only the base needs a check. */
        status = th_op_check_range(ctx, ref->shift_base, -31 + 2, 30 - 1, err);
    } else {
        if (!section_fits(ref->shifts_offset, (uint32_t)ref->quant_count, 1u, ctx->const_size)) {
            return th_op_fail(ctx, err, TH_ERR_BOUNDS, -1, TH_FIELD_OFFSET, ctx->const_size, ref->shifts_offset);
        }
        status = th_op_check_range(ctx, ref->shift_base, 0, 0, err);
    }
    if (status != TH_OK) {
        return status;
    }
    th_op_quant(ctx, ref, out);
    for (int32_t c = 0; c < out->count && status == TH_OK; ++c) {
        const th_quant q = th_quant_at(out, c);
        status = th_op_check_range(ctx, q.multiplier, 0, INT32_MAX, err);
        if (status == TH_OK) {
            status = th_op_check_range(ctx, q.shift, -31, 30, err);
        }
    }
    return status;
}
