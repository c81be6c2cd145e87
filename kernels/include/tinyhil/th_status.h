/* Status codes and the structured error every failing call fills in. */
#ifndef TH_STATUS_H
#define TH_STATUS_H
#include <stdint.h>

/* X(name, value): the single list of status codes; hil parses it too.
 * TH_ERR_NO_FLOAT_IO: a plan converts float32 model I/O on target, and this
 * engine was built without TH_FLOAT_IO (the default build keeps no float). */
#define TH_STATUS_LIST(X)          \
    X(TH_OK, 0)                    \
    X(TH_ERR_ARGUMENT, 1)          \
    X(TH_ERR_ALIGNMENT, 2)         \
    X(TH_ERR_TRUNCATED, 3)         \
    X(TH_ERR_BAD_MAGIC, 4)         \
    X(TH_ERR_VERSION, 5)           \
    X(TH_ERR_CRC, 6)               \
    X(TH_ERR_BOUNDS, 7)            \
    X(TH_ERR_BAD_TENSOR, 8)        \
    X(TH_ERR_BAD_OP, 9)            \
    X(TH_ERR_BAD_PARAMS, 10)       \
    X(TH_ERR_SHAPE, 11)            \
    X(TH_ERR_ARENA_TOO_SMALL, 12)  \
    X(TH_ERR_NOT_LOADED, 13)       \
    X(TH_ERR_NO_FLOAT_IO, 14)

typedef enum {
#define TH_STATUS_ENUM(name, value) name = value,
    TH_STATUS_LIST(TH_STATUS_ENUM)
#undef TH_STATUS_ENUM
} th_status;

/* What was wrong, precisely enough for a one-line message on the host:
 * which op (index and type), which tensor, which byte offset in the blob,
 * and the expected versus the actual value. -1 / 0 where not applicable. */
typedef struct {
    int32_t status;       /* th_status */
    int32_t op_index;     /* -1 if not about an op */
    int32_t op_type;      /* TH_OP_* or -1 */
    int32_t tensor_index; /* -1 if not about a tensor */
    uint32_t byte_offset; /* offset in the plan blob of the offending field */
    int64_t expected;
    int64_t got;
    uint32_t field;       /* TH_FIELD_* : which quantity expected/got describe */
} th_error;

#define TH_FIELD_LIST(X)            \
    X(TH_FIELD_NONE, 0)             \
    X(TH_FIELD_SIZE, 1)             \
    X(TH_FIELD_MAGIC, 2)            \
    X(TH_FIELD_VERSION, 3)          \
    X(TH_FIELD_CRC, 4)              \
    X(TH_FIELD_COUNT, 5)            \
    X(TH_FIELD_OFFSET, 6)           \
    X(TH_FIELD_TYPE, 7)             \
    X(TH_FIELD_RANK, 8)             \
    X(TH_FIELD_DIM, 9)              \
    X(TH_FIELD_TENSOR_INDEX, 10)    \
    X(TH_FIELD_PARAM, 11)           \
    X(TH_FIELD_ARENA, 12)           \
    X(TH_FIELD_ALIGNMENT, 13)       \
    X(TH_FIELD_BYTES, 14)           \
    X(TH_FIELD_ZERO_POINT, 15)

typedef enum {
#define TH_FIELD_ENUM(name, value) name = value,
    TH_FIELD_LIST(TH_FIELD_ENUM)
#undef TH_FIELD_ENUM
} th_error_field;

const char *th_status_name(th_status status);

#endif
