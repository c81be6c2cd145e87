/* Running a plan: load (validate everything once), invoke, read tensors.
 * No allocation and no global state: a th_model lives wherever the caller puts
 * it, and any number of models can run side by side in separate arenas. */
#ifndef TH_RUNTIME_H
#define TH_RUNTIME_H
#include <stdint.h>
#include "th_plan_format.h"
#include "th_status.h"

/* Per-op profiler hooks.  The platform supplies the counter (a cycle counter,
 * a timer, an emulator marker), so per-op counts need no work per board.
 * With no profiler installed, invoke pays one branch per op. */
typedef struct {
    void (*op_begin)(void *user, uint16_t op_index, uint16_t op_type);
    void (*op_end)(void *user, uint16_t op_index, uint16_t op_type);
    void *user;
} th_profiler;

/* A resolved tensor: its record plus where its bytes are. */
typedef struct {
    uint8_t dtype;      /* th_dtype */
    uint8_t rank;
    int32_t dims[TH_MAX_RANK];
    int32_t zero_point;
    uint32_t bytes;
    void *data;
} th_tensor;

/* Room for the one op being validated or run: its decoded record and every
 * operand's th_tensor.  It lives in the model, not on the stack, so the stack a
 * model needs does not grow with the operand limits (runtime.c checks the size). */
#define TH_OP_FRAME_BYTES \
    ((TH_MAX_OP_INPUTS + TH_MAX_OP_OUTPUTS) * (sizeof(th_tensor) + sizeof(void *) + 4u) + 24u * sizeof(void *) + 96u)

typedef struct {
    const uint8_t *plan;
    uint32_t plan_bytes;
    th_plan_header header;
    const uint8_t *const_base;
    uint8_t *arena;
    uint32_t arena_bytes;
    const th_profiler *profiler;
    uint8_t loaded;
    union {
        uint8_t bytes[TH_OP_FRAME_BYTES];
        void *align_pointer;
        uint64_t align_u64;
    } op_frame; /* runtime.c's working storage */
} th_model;

/* sizeof(th_model), for bindings that allocate it without the header. */
uint32_t th_model_struct_bytes(void);

/* Checks the header, size, version and CRC only; fills `header` (its
 * arena_bytes says how big an arena th_model_load will want). */
th_status th_plan_read_header(const void *plan, uint32_t plan_bytes, th_plan_header *header, th_error *err);

/* Validates every count, offset, length, enum, shape and op parameter of the
 * plan; on TH_ERR_ARENA_TOO_SMALL, err->expected is the size required.
 * `plan` must be 4-byte aligned and stay valid while the model is used. */
th_status th_model_load(th_model *model, const void *plan, uint32_t plan_bytes,
                        void *arena, uint32_t arena_bytes, th_error *err);

th_status th_model_invoke(th_model *model, th_error *err);

void th_model_set_profiler(th_model *model, const th_profiler *profiler);

uint32_t th_model_num_inputs(const th_model *model);
uint32_t th_model_num_outputs(const th_model *model);
th_status th_model_input(const th_model *model, uint32_t index, th_tensor *tensor);
th_status th_model_output(const th_model *model, uint32_t index, th_tensor *tensor);

const char *th_op_name(uint32_t op_type);

/* IEEE CRC-32 (zlib's), bitwise: no table in flash. */
uint32_t th_crc32(uint32_t crc, const uint8_t *data, uint32_t len);

#endif
