/* See th_model_slot.h. */
#include <string.h>
#include "th_model_slot.h"
#include "th_link_frame.h"
#include "th_platform.h"
#if TH_HAVE_ENGINE
#include "tinyhil/th_runtime.h"
static th_model model;
#endif

#define TH_SLOT_ALIGN 16u

typedef struct {
    uint16_t op_type;
    uint32_t ticks;
} th_op_count;

static struct {
    /* the transfer */
    int receiving;
    th_link_slot kind;   /* where the plan is: the RAM pool's start or the flash slot */
    uint8_t *plan;
    uint32_t plan_bytes;
    uint32_t plan_crc;
    /* the loaded model */
    int loaded;
    uint8_t *arena;
    uint32_t arena_bytes;
    th_op_count *op_counts;
    uint32_t num_ops;
    uint32_t last_invoke_stack;
    /* profiling state */
    uint32_t last_sample;
    uint64_t ticks;
} slot;

static inline uint32_t align_up(uint32_t v) { return (v + TH_SLOT_ALIGN - 1u) & ~(TH_SLOT_ALIGN - 1u); }
static uint8_t *pool_start(void) { return __pool_start; }
static uint32_t pool_bytes(void) { return (uint32_t)(__pool_end - __pool_start); }
/* The flash slot is read only here: a debugger or flash programmer writes it. */
static uint8_t *flash_slot(void) { return __plan_region_start; }
static uint32_t flash_slot_bytes(void) { return (uint32_t)(__plan_region_end - __plan_region_start); }

void th_slot_flash(uint32_t *address, uint32_t *bytes)
{
    *bytes = flash_slot_bytes();
    *address = *bytes ? (uint32_t)(uintptr_t)flash_slot() : 0u;
}

void th_slot_pool(uint32_t *address, uint32_t *bytes)
{
    *address = (uint32_t)(uintptr_t)pool_start();
    *bytes = pool_bytes();
}

int th_slot_engine_present(void) { return TH_HAVE_ENGINE; }

th_link_error th_slot_begin(const th_link_load_begin *req, th_link_load_begin_reply *reply, uint32_t *detail)
{
    slot.loaded = 0;
    slot.receiving = 0;
    slot.plan_bytes = 0;
    slot.kind = TH_LINK_SLOT_RAM;
    slot.plan = pool_start();
    uint8_t *base;
    uint32_t capacity;
    if (req->slot == TH_LINK_SLOT_RAM) {
        base = pool_start();
        capacity = pool_bytes();
    } else if (req->slot == TH_LINK_SLOT_FLASH) {
        if (flash_slot_bytes() == 0) {
            *detail = req->slot;
            return TH_LINK_ERR_NO_SLOT;
        }
        base = flash_slot();
        capacity = flash_slot_bytes();
    } else {
        *detail = req->slot;
        return TH_LINK_ERR_NO_SLOT;
    }
    if (req->total_bytes == 0 || req->total_bytes > capacity) {
        *detail = capacity;
        return TH_LINK_ERR_PLAN_TOO_BIG;
    }
    slot.receiving = 1;
    slot.kind = (th_link_slot)req->slot;
    slot.plan = base;
    slot.plan_bytes = req->total_bytes;
    slot.plan_crc = req->crc32;
    reply->slot_address = (uint32_t)(uintptr_t)base;
    reply->slot_bytes = capacity;
    return TH_LINK_OK;
}

th_link_error th_slot_write(uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *detail)
{
    if (!slot.receiving)
        return TH_LINK_ERR_NO_TRANSFER;
    if (slot.kind != TH_LINK_SLOT_RAM) {
        *detail = (uint32_t)(uintptr_t)slot.plan;
        return TH_LINK_ERR_SLOT_READ_ONLY;
    }
    if (offset > slot.plan_bytes || len > slot.plan_bytes - offset) {
        *detail = slot.plan_bytes;
        return TH_LINK_ERR_BAD_ARGUMENT;
    }
    memcpy(slot.plan + offset, data, len);
    return TH_LINK_OK;
}

#if TH_HAVE_ENGINE
static void engine_error(th_link_error_info *out, const th_error *e)
{
    out->status = e->status;
    out->op_index = e->op_index;
    out->op_type = e->op_type;
    out->tensor_index = e->tensor_index;
    out->byte_offset = e->byte_offset;
    out->expected = e->expected;
    out->got = e->got;
    out->field = e->field;
}
#endif

th_link_error th_slot_finish(th_link_load_end_reply *reply, th_link_error_info *err)
{
    if (!slot.receiving)
        return TH_LINK_ERR_NO_TRANSFER;
    slot.receiving = 0;
    uint32_t crc = th_link_crc32(0, slot.plan, slot.plan_bytes);
    if (crc != slot.plan_crc) {
        err->detail = crc;
        return TH_LINK_ERR_TRANSFER_CRC;
    }
#if TH_HAVE_ENGINE
    th_error e;
    th_plan_header header;
    if (th_plan_read_header(slot.plan, slot.plan_bytes, &header, &e) != TH_OK) {
        engine_error(err, &e);
        return TH_LINK_ERR_ENGINE;
    }
    /* The pool: [plan (RAM slot only) | arena | per-op counts]. */
    uint32_t arena_offset = slot.kind == TH_LINK_SLOT_RAM ? align_up(slot.plan_bytes) : 0u;
    uint32_t counts_offset = align_up(arena_offset + header.arena_bytes);
    uint32_t needed = counts_offset + header.num_ops * (uint32_t)sizeof(th_op_count);
    if (header.arena_bytes > pool_bytes() || needed > pool_bytes()) {
        err->detail = needed;
        return TH_LINK_ERR_PLAN_TOO_BIG;
    }
    slot.arena = pool_start() + arena_offset;
    slot.arena_bytes = header.arena_bytes;
    if (th_model_load(&model, slot.plan, slot.plan_bytes, slot.arena, slot.arena_bytes, &e) != TH_OK) {
        engine_error(err, &e);
        return TH_LINK_ERR_ENGINE;
    }
    slot.op_counts = (th_op_count *)(void *)(pool_start() + counts_offset);
    slot.num_ops = header.num_ops;
    memset(slot.op_counts, 0, header.num_ops * sizeof(th_op_count));
    slot.loaded = 1;
    reply->plan_bytes = slot.plan_bytes;
    reply->arena_address = (uint32_t)(uintptr_t)slot.arena;
    reply->arena_bytes = slot.arena_bytes;
    reply->num_inputs = (uint16_t)th_model_num_inputs(&model);
    reply->num_outputs = (uint16_t)th_model_num_outputs(&model);
    reply->num_ops = (uint16_t)header.num_ops;
    reply->slot = (uint8_t)slot.kind;
    reply->plan_address = (uint32_t)(uintptr_t)slot.plan;
    return TH_LINK_OK;
#else
    (void)reply;
    return TH_LINK_ERR_NO_ENGINE;
#endif
}

#if TH_HAVE_ENGINE
static th_link_error tensor_of(int is_output, uint32_t index, th_tensor *t)
{
    if (!slot.loaded)
        return TH_LINK_ERR_NOT_LOADED;
    th_model *m = &model;
    uint32_t count = is_output ? th_model_num_outputs(m) : th_model_num_inputs(m);
    if (index >= count)
        return TH_LINK_ERR_BAD_ARGUMENT;
    th_status st = is_output ? th_model_output(m, index, t) : th_model_input(m, index, t);
    return st == TH_OK ? TH_LINK_OK : TH_LINK_ERR_BAD_ARGUMENT;
}
#endif

th_link_error th_slot_tensor_info(const th_link_tensor_select *sel, th_link_tensor_info_reply *reply)
{
#if TH_HAVE_ENGINE
    th_tensor t;
    th_link_error e = tensor_of(sel->is_output, sel->index, &t);
    if (e != TH_LINK_OK)
        return e;
    reply->dtype = t.dtype;
    reply->rank = t.rank;
    reply->dim0 = t.rank > 0 ? t.dims[0] : 0;
    reply->dim1 = t.rank > 1 ? t.dims[1] : 0;
    reply->dim2 = t.rank > 2 ? t.dims[2] : 0;
    reply->dim3 = t.rank > 3 ? t.dims[3] : 0;
    reply->dim4 = t.rank > 4 ? t.dims[4] : 0;
    reply->dim5 = t.rank > 5 ? t.dims[5] : 0;
    reply->zero_point = t.zero_point;
    reply->bytes = t.bytes;
    reply->address = (uint32_t)(uintptr_t)t.data;
    return TH_LINK_OK;
#else
    (void)sel;
    (void)reply;
    return TH_LINK_ERR_NOT_LOADED;
#endif
}

th_link_error th_slot_tensor_data(int is_output, uint32_t index, uint8_t **data, uint32_t *bytes)
{
#if TH_HAVE_ENGINE
    th_tensor t;
    th_link_error e = tensor_of(is_output, index, &t);
    if (e != TH_LINK_OK)
        return e;
    *data = t.data;
    *bytes = t.bytes;
    return TH_LINK_OK;
#else
    (void)is_output;
    (void)index;
    (void)data;
    (void)bytes;
    return TH_LINK_ERR_NOT_LOADED;
#endif
}

#if TH_HAVE_ENGINE
/* Profiler callbacks.  The counter is read right after the begin marker and
 * right before the end marker, so the emulator's count between the markers
 * and the counter's delta differ by the same few instructions for every op.
 * Every read also feeds a 64-bit running total, so the invoke's total
 * survives counter wrap-around as long as each op is shorter than one wrap. */
static void accumulate(uint32_t now)
{
    slot.ticks += th_counter_delta(slot.last_sample, now);
    slot.last_sample = now;
}

static uint32_t op_start;

static void on_op_begin(void *user, uint16_t op_index, uint16_t op_type)
{
    th_mark_op_begin();
    op_start = th_counter_read();
    accumulate(op_start);
#ifdef TH_SLOW_DOWN_OPS_BY
    /* A deliberately slower build: proves the regression gate catches it. */
    for (volatile uint32_t spin = 0; spin < (TH_SLOW_DOWN_OPS_BY); ++spin) {
    }
#endif
}

static void on_op_end(void *user, uint16_t op_index, uint16_t op_type)
{
    uint32_t now = th_counter_read();
    accumulate(now);
    if (op_index < slot.num_ops) {
        slot.op_counts[op_index].op_type = op_type;
        slot.op_counts[op_index].ticks = th_counter_delta(op_start, now);
    }
    th_mark_op_end();
}

static const th_profiler profiler = {on_op_begin, on_op_end, 0};
#endif

th_link_error th_slot_invoke(uint32_t flags, th_link_invoke_reply *reply, th_link_error_info *err)
{
#if TH_HAVE_ENGINE
    if (!slot.loaded)
        return TH_LINK_ERR_NOT_LOADED;
    th_model *m = &model;
    int profile = (flags & TH_LINK_INVOKE_PROFILE_OPS) != 0;
    th_model_set_profiler(m, profile ? &profiler : 0);
    if (profile)
        memset(slot.op_counts, 0, slot.num_ops * sizeof(th_op_count));
    if (flags & TH_LINK_INVOKE_MEASURE_STACK) {
        uintptr_t sp;
        __asm volatile("mov %0, sp" : "=r"(sp));
        th_stack_paint_below(sp - 64);
    }
    th_error e;
    slot.ticks = 0;
    th_mark_invoke_begin();
    uint32_t t0 = th_counter_read();
    slot.last_sample = t0;
    th_status st = th_model_invoke(m, &e);
    uint32_t t1 = th_counter_read();
    th_mark_invoke_end();
    accumulate(t1);
    if (!profile) /* without samples in between, one delta is all there is */
        slot.ticks = th_counter_delta(t0, t1);
    if (flags & TH_LINK_INVOKE_MEASURE_STACK)
        slot.last_invoke_stack = th_stack_used();
    if (st != TH_OK) {
        engine_error(err, &e);
        return TH_LINK_ERR_ENGINE;
    }
    reply->ticks = slot.ticks;
    reply->stack_bytes = (flags & TH_LINK_INVOKE_MEASURE_STACK) ? slot.last_invoke_stack : 0;
    reply->num_ops = (uint16_t)slot.num_ops;
    reply->counter_index = (uint8_t)th_counter_index();
    reply->flags = (uint8_t)flags;
    return TH_LINK_OK;
#else
    (void)flags;
    (void)reply;
    (void)err;
    return TH_LINK_ERR_NOT_LOADED;
#endif
}

uint32_t th_slot_num_ops(void) { return slot.loaded ? slot.num_ops : 0; }

void th_slot_op_count(uint32_t index, th_link_op_count_entry *out)
{
    out->op_type = slot.op_counts[index].op_type;
    out->reserved = 0;
    out->ticks = slot.op_counts[index].ticks;
}

void th_slot_memory(th_link_memory_reply *r)
{
    r->ram_bytes = (uint32_t)(__ram_end - __ram_start);
    r->code_region_bytes = (uint32_t)(__code_region_end - __code_start); /* without the flash slot */
    r->code_used_bytes = (uint32_t)(__code_end - __code_start);
    r->static_ram_bytes = (uint32_t)((uint8_t *)__bss_end - (uint8_t *)__data_start);
    r->stack_bytes = th_stack_bytes();
    r->stack_high_water = th_stack_used();
    r->pool_bytes = pool_bytes();
    r->plan_bytes = slot.plan_bytes;
    r->arena_bytes = slot.loaded ? slot.arena_bytes : 0;
    r->op_counts_bytes = slot.loaded ? slot.num_ops * (uint32_t)sizeof(th_op_count) : 0;
    r->last_invoke_stack_bytes = slot.last_invoke_stack;
    r->flash_slot_bytes = flash_slot_bytes();
    r->plan_address = slot.plan_bytes ? (uint32_t)(uintptr_t)slot.plan : 0u;
    r->plan_slot = (uint8_t)slot.kind;
    r->plan_loaded = (uint8_t)slot.loaded;
    r->reserved = 0;
}
