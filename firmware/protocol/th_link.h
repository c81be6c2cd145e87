/* The host link: framed, versioned, CRC-checked messages over a byte stream
 * (a UART).  This header is the one definition of the protocol: the firmware
 * compiles it and hil/link/protocol.py parses its X-macro lists, so the two
 * sides cannot drift apart.
 *
 * Frame (all integers little-endian):
 *   offset 0  sof          TH_LINK_SOF
 *          1  version      TH_LINK_VERSION
 *          2  type         a command id (host to board), command id |
 *                          TH_LINK_REPLY_FLAG (its reply), or an event id
 *          3  seq          chosen by the host; replies and errors echo it
 *          4  length       payload bytes, u16, at most TH_LINK_MAX_PAYLOAD
 *          6  header_crc   CRC-8 (poly 0x07, init 0) of bytes 0..5
 *          7  payload
 *   7+length  crc32        IEEE CRC-32 (zlib's) of bytes 0..6+length
 *
 * The header CRC lets a receiver reject a corrupt length at once instead of
 * waiting for a payload that never comes.  A receiver hunts for TH_LINK_SOF,
 * checks the header, then the whole frame; on any failure it answers with an
 * ERROR event (where it can name one) and hunts again from the next byte.
 * The board also drops a frame that stops arriving midway (TIMEOUT).
 */
#ifndef TH_LINK_H
#define TH_LINK_H
#include <stdint.h>

#define TH_LINK_SOF 0xA5u
#define TH_LINK_VERSION 4u
#define TH_LINK_HEADER_BYTES 7u
#define TH_LINK_TRAILER_BYTES 4u
#define TH_LINK_MAX_PAYLOAD 1024u
#define TH_LINK_REPLY_FLAG 0x80u

/* X(name, id): requests from the host.  Each is answered by exactly one frame:
 * its reply (type id | TH_LINK_REPLY_FLAG) or an ERROR event with the same seq. */
#define TH_LINK_COMMAND_LIST(X) \
    X(PING, 0x01)          /* payload: anything; reply: the same bytes */           \
    X(INFO, 0x02)          /* reply: TH_LINK_INFO_FIELDS + "key=value\n" text */     \
    X(LOAD_BEGIN, 0x03)    /* starts a plan transfer into a plan slot (RAM or FLASH) */ \
    X(LOAD_CHUNK, 0x04)    /* TH_LINK_CHUNK_FIELDS + bytes, written into the RAM slot */ \
    X(LOAD_END, 0x05)      /* checks the slot's CRC, then loads the model from it */    \
    X(TENSOR_INFO, 0x06)   /* shape and size of an input or output tensor */       \
    X(SET_INPUT, 0x07)     /* TH_LINK_TENSOR_IO_FIELDS + bytes */                   \
    X(INVOKE, 0x08)        /* runs the model once; reply: count and stack used */  \
    X(GET_OUTPUT, 0x09)    /* TH_LINK_TENSOR_IO_FIELDS; reply: bytes */             \
    X(GET_OP_COUNTS, 0x0A) /* per-op counts of the last profiled invoke */         \
    X(GET_MEMORY, 0x0B)    /* RAM, flash, stack, pool and arena figures */         \
    X(RESET, 0x0C)         /* replies, then resets the board (a BOOT event follows) */

/* X(name, id): frames the board sends on its own (or, for ERROR, instead of a reply). */
#define TH_LINK_EVENT_LIST(X) \
    X(BOOT, 0x70)          /* after every reset: same payload as the INFO reply */ \
    X(FAULT, 0x71)         /* a CPU fault: TH_LINK_FAULT_FIELDS; the board then exits */ \
    X(ERROR, 0x7F)         /* TH_LINK_ERROR_FIELDS */

/* X(name, code): what an ERROR event says went wrong. */
#define TH_LINK_ERROR_LIST(X) \
    X(BAD_HEADER, 1)       /* header CRC wrong: nothing in the frame can be trusted */ \
    X(BAD_VERSION, 2)      /* header intact but another protocol version */           \
    X(TOO_LONG, 3)         /* length above TH_LINK_MAX_PAYLOAD */                     \
    X(BAD_CRC, 4)          /* frame CRC wrong */                                      \
    X(TIMEOUT, 5)          /* the rest of a frame did not arrive in time */           \
    X(UNKNOWN_COMMAND, 6)                                                             \
    X(BAD_LENGTH, 7)       /* payload size wrong for the command */                   \
    X(BAD_ARGUMENT, 8)     /* an index, offset or size out of range */                \
    X(NO_TRANSFER, 9)      /* LOAD_CHUNK or LOAD_END without LOAD_BEGIN */            \
    X(PLAN_TOO_BIG, 10)    /* the plan does not fit its slot, or the arena the pool */ \
    X(TRANSFER_CRC, 11)    /* the plan slot's bytes do not match LOAD_BEGIN's CRC */  \
    X(NOT_LOADED, 12)      /* needs a loaded model */                                 \
    X(ENGINE, 13)          /* the engine failed: the th_error fields say how */       \
    X(NO_ENGINE, 14)       /* this firmware was built without the engine */           \
    X(SLOT_READ_ONLY, 15)  /* LOAD_CHUNK into FLASH: no flash driver; a debugger writes it */ \
    X(NO_SLOT, 16)         /* LOAD_BEGIN asked for a slot this board does not have */

/* X(name, code): the exit status the board ends an emulator with
 * (semihosting SYS_EXIT_EXTENDED); distinct per cause. */
#define TH_LINK_EXIT_LIST(X) \
    X(OK, 0)                                                     \
    X(NMI, 0x42)                                                 \
    X(HARD_FAULT, 0x43)                                          \
    X(MEM_MANAGE, 0x44)                                          \
    X(BUS_FAULT, 0x45)                                           \
    X(USAGE_FAULT, 0x46)                                         \
    X(SECURE_FAULT, 0x47)                                        \
    X(UNEXPECTED_EXCEPTION, 0x48)                                \
    X(STACK_OVERFLOW, 0x49) /* the stack ran into its guard (MPU or MSPLIM) */

/* INVOKE request flags. */
#define TH_LINK_INVOKE_FLAG_LIST(X) \
    X(PROFILE_OPS, 0x1)    /* count every op (profiler callbacks + markers) */ \
    X(MEASURE_STACK, 0x2)  /* repaint the stack first, report what this invoke used */

/* X(name, id): where a plan is kept (LOAD_BEGIN's slot, GET_MEMORY's plan_slot).
 *   RAM    the start of the RAM pool; the arena and per-op counts follow it.
 *          Written by LOAD_CHUNK or by a debugger.
 *   FLASH  the board's plan region in code memory (flash on an MCU), read in
 *          place: only a debugger (or a flash programmer) writes it, and the
 *          whole RAM pool is left for the arena and per-op counts. */
#define TH_LINK_SLOT_LIST(X) \
    X(RAM, 0)                \
    X(FLASH, 1)

/* Payload layouts: F(type, name), packed, little-endian, in this order.
 * Variable parts (bytes, text) follow the fixed fields where noted. */
#define TH_LINK_INFO_FIELDS(F)            \
    F(uint16_t, protocol_version)         \
    F(uint16_t, max_payload)              \
    F(uint16_t, plan_version_major)       \
    F(uint16_t, plan_version_minor)       \
    F(uint8_t, engine_present)            \
    F(uint8_t, counter_index) /* position in the board's [[counters]]; 0xFF: none */ \
    F(uint8_t, counter_bits)              \
    F(uint8_t, reserved)                  \
    F(uint32_t, cpuid)        /* SCB->CPUID */ \
    F(uint32_t, pool_address) /* the RAM pool (and the RAM plan slot) starts here */ \
    F(uint32_t, pool_bytes)   /* (RAM-slot plan +) arena + per-op counts must fit */ \
    F(uint32_t, boot_count)   /* resets seen since power-on, where RAM survives */ \
    F(uint32_t, flash_slot_address) /* the FLASH plan slot; 0 bytes: the board has none */ \
    F(uint32_t, flash_slot_bytes)
/* followed by text: "board=...\nbuild=...\n" */

#define TH_LINK_ERROR_FIELDS(F)           \
    F(uint8_t, code)          /* TH_LINK_ERR_* */ \
    F(uint8_t, command)       /* the type of the frame that failed, 0xFF if unknown */ \
    F(uint16_t, reserved)                 \
    F(uint32_t, detail)       /* e.g. the expected size or CRC */ \
    F(int32_t, status)        /* th_error, for TH_LINK_ERR_ENGINE */ \
    F(int32_t, op_index)                  \
    F(int32_t, op_type)                   \
    F(int32_t, tensor_index)              \
    F(uint32_t, byte_offset)              \
    F(int64_t, expected)                  \
    F(int64_t, got)                       \
    F(uint32_t, field)

#define TH_LINK_FAULT_FIELDS(F)           \
    F(uint32_t, exception)    /* IPSR exception number */ \
    F(uint32_t, exit_code)                \
    F(uint32_t, pc)           /* stacked PC, 0 when the frame was unreadable */ \
    F(uint32_t, lr)                       \
    F(uint32_t, xpsr)                     \
    F(uint32_t, sp)           /* stack pointer at the fault */ \
    F(uint32_t, exc_return)               \
    F(uint32_t, cfsr)                     \
    F(uint32_t, hfsr)                     \
    F(uint32_t, mmfar)                    \
    F(uint32_t, bfar)

#define TH_LINK_LOAD_BEGIN_FIELDS(F)      \
    F(uint32_t, total_bytes)              \
    F(uint32_t, crc32)        /* zlib CRC-32 of the whole plan */ \
    F(uint8_t, slot)          /* TH_LINK_SLOT_*: where the plan goes */ \
    F(uint8_t, reserved0)                 \
    F(uint16_t, reserved1)

#define TH_LINK_LOAD_BEGIN_REPLY_FIELDS(F) \
    F(uint32_t, slot_address) /* where the plan goes: a debugger may write it there directly */ \
    F(uint32_t, slot_bytes)   /* the slot's capacity */

#define TH_LINK_CHUNK_FIELDS(F)           \
    F(uint32_t, offset)
/* followed by the bytes */

#define TH_LINK_LOAD_END_REPLY_FIELDS(F)  \
    F(uint32_t, plan_bytes)               \
    F(uint32_t, arena_address)            \
    F(uint32_t, arena_bytes)              \
    F(uint16_t, num_inputs)               \
    F(uint16_t, num_outputs)              \
    F(uint16_t, num_ops)                  \
    F(uint8_t, slot)          /* TH_LINK_SLOT_* the plan was loaded from */ \
    F(uint8_t, reserved)                  \
    F(uint32_t, plan_address)

#define TH_LINK_TENSOR_SELECT_FIELDS(F)   \
    F(uint8_t, is_output)                 \
    F(uint8_t, index)                     \
    F(uint16_t, reserved)

#define TH_LINK_TENSOR_INFO_REPLY_FIELDS(F) \
    F(uint8_t, dtype)                     \
    F(uint8_t, rank)                      \
    F(uint16_t, reserved)                 \
    F(int32_t, dim0)                      \
    F(int32_t, dim1)                      \
    F(int32_t, dim2)                      \
    F(int32_t, dim3)                      \
    F(int32_t, dim4)                      \
    F(int32_t, dim5)                      \
    F(int32_t, zero_point)                \
    F(uint32_t, bytes)                    \
    F(uint32_t, address)      /* where the bytes are: a debugger can write inputs there directly */

#define TH_LINK_TENSOR_IO_FIELDS(F)       \
    F(uint8_t, index)                     \
    F(uint8_t, reserved0)                 \
    F(uint16_t, length)       /* GET_OUTPUT: bytes wanted; SET_INPUT: ignored */ \
    F(uint32_t, offset)
/* SET_INPUT: followed by the bytes */

#define TH_LINK_INVOKE_FIELDS(F)          \
    F(uint32_t, flags)        /* TH_LINK_INVOKE_FLAG_* */

#define TH_LINK_INVOKE_REPLY_FIELDS(F)    \
    F(uint64_t, ticks)        /* counter ticks for th_model_invoke */ \
    F(uint32_t, stack_bytes)  /* with MEASURE_STACK: stack this invoke used */ \
    F(uint16_t, num_ops)                  \
    F(uint8_t, counter_index)             \
    F(uint8_t, flags)

#define TH_LINK_OP_COUNTS_FIELDS(F)       \
    F(uint16_t, first)                    \
    F(uint16_t, max_count)

#define TH_LINK_OP_COUNTS_REPLY_FIELDS(F) \
    F(uint16_t, first)                    \
    F(uint16_t, count)        /* entries that follow */ \
    F(uint16_t, num_ops)                  \
    F(uint16_t, reserved)
/* followed by `count` TH_LINK_OP_COUNT_ENTRY_FIELDS */

#define TH_LINK_OP_COUNT_ENTRY_FIELDS(F)  \
    F(uint16_t, op_type)                  \
    F(uint16_t, reserved)                 \
    F(uint32_t, ticks)

#define TH_LINK_MEMORY_REPLY_FIELDS(F)    \
    F(uint32_t, ram_bytes)                \
    F(uint32_t, code_region_bytes) /* code memory for the image: without the FLASH slot */ \
    F(uint32_t, code_used_bytes)  /* vectors + text + rodata + .data image */ \
    F(uint32_t, static_ram_bytes) /* .data + .bss */ \
    F(uint32_t, stack_bytes)              \
    F(uint32_t, stack_high_water) /* most stack used since boot or the last MEASURE_STACK */ \
    F(uint32_t, pool_bytes)               \
    F(uint32_t, plan_bytes)               \
    F(uint32_t, arena_bytes)              \
    F(uint32_t, op_counts_bytes)          \
    F(uint32_t, last_invoke_stack_bytes)  \
    F(uint32_t, flash_slot_bytes) /* the FLASH slot's capacity (0: none) */ \
    F(uint32_t, plan_address)             \
    F(uint8_t, plan_slot)     /* TH_LINK_SLOT_* of plan_bytes */ \
    F(uint8_t, plan_loaded)   /* 1 once LOAD_END succeeded */ \
    F(uint16_t, reserved)

/* C names for the lists above. */
typedef enum {
#define TH_LINK_CMD_ENUM(name, id) TH_LINK_CMD_##name = id,
    TH_LINK_COMMAND_LIST(TH_LINK_CMD_ENUM)
#undef TH_LINK_CMD_ENUM
} th_link_command;

typedef enum {
#define TH_LINK_EVENT_ENUM(name, id) TH_LINK_EVENT_##name = id,
    TH_LINK_EVENT_LIST(TH_LINK_EVENT_ENUM)
#undef TH_LINK_EVENT_ENUM
} th_link_event;

typedef enum {
    TH_LINK_OK = 0,
#define TH_LINK_ERR_ENUM(name, code) TH_LINK_ERR_##name = code,
    TH_LINK_ERROR_LIST(TH_LINK_ERR_ENUM)
#undef TH_LINK_ERR_ENUM
} th_link_error;

typedef enum {
#define TH_LINK_EXIT_ENUM(name, code) TH_EXIT_##name = code,
    TH_LINK_EXIT_LIST(TH_LINK_EXIT_ENUM)
#undef TH_LINK_EXIT_ENUM
} th_exit_code;

typedef enum {
#define TH_LINK_SLOT_ENUM(name, id) TH_LINK_SLOT_##name = id,
    TH_LINK_SLOT_LIST(TH_LINK_SLOT_ENUM)
#undef TH_LINK_SLOT_ENUM
} th_link_slot;

typedef enum {
#define TH_LINK_FLAG_ENUM(name, bit) TH_LINK_INVOKE_##name = bit,
    TH_LINK_INVOKE_FLAG_LIST(TH_LINK_FLAG_ENUM)
#undef TH_LINK_FLAG_ENUM
} th_link_invoke_flag;

#define TH_LINK_DECLARE_FIELD(type, name) type name;
typedef struct { TH_LINK_INFO_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_info;
typedef struct { TH_LINK_ERROR_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_error_info;
typedef struct { TH_LINK_FAULT_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_fault;
typedef struct { TH_LINK_LOAD_BEGIN_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_load_begin;
typedef struct { TH_LINK_LOAD_BEGIN_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_load_begin_reply;
typedef struct { TH_LINK_CHUNK_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_chunk;
typedef struct { TH_LINK_LOAD_END_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_load_end_reply;
typedef struct { TH_LINK_TENSOR_SELECT_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_tensor_select;
typedef struct { TH_LINK_TENSOR_INFO_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_tensor_info_reply;
typedef struct { TH_LINK_TENSOR_IO_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_tensor_io;
typedef struct { TH_LINK_INVOKE_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_invoke;
typedef struct { TH_LINK_INVOKE_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_invoke_reply;
typedef struct { TH_LINK_OP_COUNTS_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_op_counts;
typedef struct { TH_LINK_OP_COUNTS_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_op_counts_reply;
typedef struct { TH_LINK_OP_COUNT_ENTRY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_op_count_entry;
typedef struct { TH_LINK_MEMORY_REPLY_FIELDS(TH_LINK_DECLARE_FIELD) } th_link_memory_reply;
#undef TH_LINK_DECLARE_FIELD

#endif
