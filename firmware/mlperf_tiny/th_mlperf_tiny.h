/* The MLPerf Tiny device-under-test protocol (the reference is the benchmark's
 * api/internally_implemented.cpp): '%'-terminated text commands on the console
 * UART, "\r\n"-terminated replies, every command ends with m-ready.  The reply
 * formats and their order are the reference's; input it would mishandle
 * (overlong lines, non-text bytes, data before `db load`, a load beyond the
 * buffer) is answered with an e-[...] line instead. */
#ifndef TH_MLPERF_TINY_H
#define TH_MLPERF_TINY_H
#include <stdint.h>

#define TH_MLPERF_CMD_SIZE 80u                /* EE_CMD_SIZE */
#define TH_MLPERF_MAX_DB_INPUT (96u * 96u * 3u) /* MAX_DB_INPUT_SIZE */
#define TH_MLPERF_MAX_ITERATIONS 100000u      /* bounds one `infer`: no command runs for ever */

/* What the protocol needs from the device; th_mlperf_engine.c implements it. */
typedef struct {
    uint32_t input_bytes;
    /* Copy the loaded bytes into the input tensor; 0 on success. */
    int (*load_tensor)(const uint8_t *data, uint32_t bytes);
    /* One inference; 0 on success, else the line is printed as an e-[...]. */
    int (*infer)(void);
    void (*results)(void);   /* prints the m-results-[...] line */
} th_mlperf_device;

void th_mlperf_init(const th_mlperf_device *device);
/* Feed one received byte; a '%' runs the command. */
void th_mlperf_receive(uint8_t byte);

/* Output: buffered, written to the UART at each line end.  Integer-only. */
void th_mlperf_puts(const char *s);
void th_mlperf_put_u64(uint64_t v);
/* `value` in units of 10^-decimals, printed as a decimal fraction. */
void th_mlperf_put_fixed(int64_t value, uint8_t decimals);
void th_mlperf_flush(void);
/* Microseconds since boot from the board counter; call often enough that the
 * counter does not wrap twice between calls (the inference loop calls it
 * after each inference). */
uint64_t th_mlperf_time_us(void);
/* Accumulates the counter's ticks without converting them (cheap). */
void th_mlperf_time_poll(void);
void th_mlperf_time_init(void);
const char *th_mlperf_time_source(void);

#endif
