/* See th_mlperf_tiny.h.  Strings in quotes below are the reference's replies,
 * spelling included, because host runners match them. */
#include "th_mlperf_tiny.h"
#include <string.h>
#include "th_mlperf_model_data.h"
#include "th_platform.h"

#define FW_VERSION "ULPMark for tinyML Firmware V0.0.1"
#define VENDOR_NAME "tinyhil"

static const th_mlperf_device *device;

/* --- output ------------------------------------------------------------ */

static uint8_t out_buf[128];
static uint32_t out_len;

void th_mlperf_flush(void)
{
    th_uart_write(out_buf, out_len);
    out_len = 0;
}

static void put_char(char c)
{
    if (out_len == sizeof out_buf)
        th_mlperf_flush();
    out_buf[out_len++] = (uint8_t)c;
    if (c == '\n')
        th_mlperf_flush();
}

void th_mlperf_puts(const char *s)
{
    while (*s)
        put_char(*s++);
}

void th_mlperf_put_u64(uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    while (n)
        put_char(digits[--n]);
}

void th_mlperf_put_fixed(int64_t value, uint8_t decimals)
{
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    uint64_t unit = 1;
    for (uint8_t i = 0; i < decimals; ++i)
        unit *= 10u;
    if (value < 0)
        put_char('-');
    th_mlperf_put_u64(magnitude / unit);
    if (decimals) {
        put_char('.');
        uint64_t frac = magnitude % unit;
        for (uint64_t d = unit / 10u; d; d /= 10u) {
            put_char((char)('0' + (int)(frac / d)));
            frac %= d;
        }
    }
}

static void put_hex2(uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    put_char(hex[b >> 4]);
    put_char(hex[b & 15u]);
}

/* --- time: the board counter, extended to 64 bits ------------------------- */

static uint32_t last_ticks;
static uint64_t total_ticks;
static const th_mlperf_counter_time *time_conv;

void th_mlperf_time_init(void)
{
    int index = th_counter_index();
    time_conv = (index >= 0 && (uint32_t)index < th_mlperf_counter_time_count)
                    ? &th_mlperf_counter_times[index] : 0;
    last_ticks = th_counter_read();
    total_ticks = 0;
}

void th_mlperf_time_poll(void)
{
    uint32_t now = th_counter_read();
    total_ticks += th_counter_delta(last_ticks, now);
    last_ticks = now;
}

static uint64_t ticks_to_us(uint64_t ticks)
{
    if (!time_conv)
        return 0;
    /* ticks * num overflows 64 bits only after centuries of 1 GHz ticks. */
    return ticks * time_conv->ns_num / time_conv->ns_den / 1000u;
}

static uint64_t time_ticks(void)
{
    th_mlperf_time_poll();
    return total_ticks;
}

uint64_t th_mlperf_time_us(void) { return ticks_to_us(time_ticks()); }

const char *th_mlperf_time_source(void)
{
    return time_conv ? time_conv->what : "no counter ticks: m-lap-us reads 0";
}

static void print_lap(uint64_t us)
{
    th_mlperf_puts("m-lap-us-");
    th_mlperf_put_u64(us);
    th_mlperf_puts("\r\n");
}

static void timestamp(void) { print_lap(th_mlperf_time_us()); }

/* --- the command line ---------------------------------------------------- */

static char cmd_buf[TH_MLPERF_CMD_SIZE + 1];
static uint32_t cmd_len;
static int cmd_overflow;     /* more than TH_MLPERF_CMD_SIZE characters before the '%' */
static int cmd_bad_byte;     /* first byte that is not printable ASCII, +1 (0: none) */

/* The db buffer (reference: gp_buff, g_buff_size, g_buff_pos). */
static uint8_t db_buf[TH_MLPERF_MAX_DB_INPUT] __attribute__((aligned(4)));
static uint32_t db_size;     /* bytes announced by `db load`; 0: none armed */
static uint32_t db_pos;

static void error_line(const char *text)
{
    th_mlperf_puts("e-[");
    th_mlperf_puts(text);
    th_mlperf_puts("]\r\n");
}

/* Splits at spaces, as strtok(" ") does: runs of spaces separate, none is kept. */
static char *next_token(char **cursor)
{
    char *p = *cursor;
    while (*p == ' ')
        ++p;
    if (!*p) {
        *cursor = p;
        return 0;
    }
    char *start = p;
    while (*p && *p != ' ')
        ++p;
    if (*p)
        *p++ = 0;
    *cursor = p;
    return start;
}

/* atoi() as the reference uses it (leading sign and digits, the rest ignored),
 * saturating instead of overflowing. */
static int64_t parse_int(const char *s)
{
    int negative = 0;
    int64_t v = 0;
    if (*s == '-' || *s == '+')
        negative = *s++ == '-';
    while (*s >= '0' && *s <= '9') {
        if (v < 1000000000000LL)
            v = v * 10 + (*s - '0');
        ++s;
    }
    return negative ? -v : v;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void db_print(void)
{
    /* The reference's layout: 8 bytes a line, '-' between them, and one empty
     * line more when the count is not a multiple of 8. */
    const uint32_t per_line = 8;
    uint32_t i = 0;
    for (; i < db_size; ++i) {
        if (i % per_line == 0)
            th_mlperf_puts("m-buffer-");
        put_hex2(db_buf[i]);
        if ((i + 1) % per_line == 0 || i + 1 == db_size)
            th_mlperf_puts("\r\n");
        else
            put_char('-');
    }
    if (i % per_line != 0)
        th_mlperf_puts("\r\n");
}

static void db_data(const char *hex)
{
    size_t digits = strlen(hex);
    if (db_size == 0) {
        error_line("Command 'db' with data needs 'db load N' first");
        return;
    }
    if (db_pos == db_size) {
        error_line("All bytes of 'db load' already received");
        return;
    }
    if (digits & 1u) {
        error_line("Insufficent number of hex digits");
        return;
    }
    for (size_t i = 0; i < digits; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            th_mlperf_puts("e-[Invalid hex digit '");
            put_char(hex[i]);
            put_char(hex[i + 1]);
            th_mlperf_puts("']\r\n");
            return;
        }
        db_buf[db_pos++] = (uint8_t)(hi << 4 | lo);
        if (db_pos == db_size) {
            th_mlperf_puts("m-load-done\r\n");
            return;   /* the reference disregards the remaining digits */
        }
    }
}

static void db_command(char **cursor)
{
    char *sub = next_token(cursor);
    if (!sub) {
        error_line("Command 'db' requires a subcommand");
    } else if (strcmp(sub, "load") == 0) {
        char *count = next_token(cursor);
        if (!count) {
            error_line("Command 'db load' requires the # of bytes");
            return;
        }
        int64_t n = parse_int(count);
        db_pos = 0;
        db_size = 0;
        if (n == 0) {
            error_line("Command 'db load' must be >0 bytes");
        } else if (n < 0 || n > (int64_t)TH_MLPERF_MAX_DB_INPUT) {
            th_mlperf_puts("e-[Supplied buffer size ");
            if (n < 0) {
                put_char('-');
                n = -n;
            }
            th_mlperf_put_u64((uint64_t)n);
            th_mlperf_puts(" exceeds maximum of ");
            th_mlperf_put_u64(TH_MLPERF_MAX_DB_INPUT);
            th_mlperf_puts("]\r\n");
        } else {
            db_size = (uint32_t)n;
            th_mlperf_puts("m-[Expecting ");
            th_mlperf_put_u64(db_size);
            th_mlperf_puts(" bytes]\r\n");
        }
    } else if (strcmp(sub, "print") == 0) {
        db_print();
    } else {
        db_data(sub);
    }
}

static void help(void)
{
    th_mlperf_puts(FW_VERSION "\r\n");
    th_mlperf_puts("\r\n");
    th_mlperf_puts("help         : Print this information\r\n");
    th_mlperf_puts("name         : Print the name of the device\r\n");
    th_mlperf_puts("timestsamp   : Generate a timetsamp\r\n");
    th_mlperf_puts("db SUBCMD    : Manipulate a generic byte buffer\r\n");
    th_mlperf_puts("  load N     : Allocate N bytes and set load counter\r\n");
    th_mlperf_puts("  db HH[HH]* : Load 8-bit hex byte(s) until N bytes\r\n");
    th_mlperf_puts("  print [N=16] [offset=0]\r\n");
    th_mlperf_puts("             : Print N bytes at offset as hex\r\n");
    th_mlperf_puts("infer N [W=0]: Load input, execute N inferences after W warmup loops\r\n");
    th_mlperf_puts("results      : Return the result fp32 vector\r\n");
}

static int run_inferences(uint32_t count)
{
    for (uint32_t i = 0; i < count; ++i) {
        if (device->infer() != 0)
            return -1;
        th_mlperf_time_poll();   /* keeps the 64-bit time across counter wraps */
    }
    return 0;
}

static void infer_command(char **cursor)
{
    int64_t n = 1, w = 10;   /* the reference's defaults */
    char *arg = next_token(cursor);
    if (arg) {
        n = parse_int(arg);
        if (n <= 0) {
            error_line("Inference iterations must be >0");
            return;
        }
        arg = next_token(cursor);
        if (arg) {
            w = parse_int(arg);
            if (w < 0) {
                error_line("Inference warmup must be >=0");
                return;
            }
        }
    }
    if (n > (int64_t)TH_MLPERF_MAX_ITERATIONS || w > (int64_t)TH_MLPERF_MAX_ITERATIONS) {
        th_mlperf_puts("e-[Inference iterations and warmup must be <=");
        th_mlperf_put_u64(TH_MLPERF_MAX_ITERATIONS);
        th_mlperf_puts("]\r\n");
        return;
    }
    if (db_size == 0 || db_pos != device->input_bytes) {
        th_mlperf_puts("e-[Input needs ");
        th_mlperf_put_u64(device->input_bytes);
        th_mlperf_puts(" bytes loaded with 'db load'; loaded ");
        th_mlperf_put_u64(db_size ? db_pos : 0);
        th_mlperf_puts("]\r\n");
        return;
    }
    if (device->load_tensor(db_buf, db_pos) != 0)
        return;
    th_mlperf_puts("m-warmup-start-");
    th_mlperf_put_u64((uint64_t)w);
    th_mlperf_puts("\r\n");
    if (run_inferences((uint32_t)w) != 0)
        return;
    th_mlperf_puts("m-warmup-done\r\n");
    th_mlperf_puts("m-infer-start-");
    th_mlperf_put_u64((uint64_t)n);
    th_mlperf_puts("\r\n");
    th_mlperf_flush();
    /* Both m-lap-us lines are printed after the window, in the reference's
     * order, so that formatting and the UART are not timed with the inferences. */
    uint64_t start = time_ticks();
    if (run_inferences((uint32_t)n) != 0)
        return;
    uint64_t end = time_ticks();
    /* The end is the start plus the window's length, each rounded down to a
     * microsecond: their difference is then the window's exact length rounded
     * down, whatever fraction of a microsecond the start fell on. */
    uint64_t start_us = ticks_to_us(start);
    print_lap(start_us);
    print_lap(start_us + ticks_to_us(end - start));
    th_mlperf_puts("m-infer-done\r\n");
    device->results();
}

static void run_command(char *line)
{
    char *cursor = line;
    char *tok = next_token(&cursor);
    if (!tok) {
        error_line("Empty command");
    } else if (strcmp(tok, "name") == 0) {
        th_mlperf_puts("m-name-dut-[" VENDOR_NAME "]\r\n");
    } else if (strcmp(tok, "timestamp") == 0) {
        timestamp();
    } else if (strcmp(tok, "profile") == 0) {
        th_mlperf_puts("m-profile-[" FW_VERSION "]\r\n");
        th_mlperf_puts("m-model-[");
        th_mlperf_puts(th_mlperf_model.model_version);
        th_mlperf_puts("]\r\n");
    } else if (strcmp(tok, "help") == 0) {
        help();
    } else if (strcmp(tok, "db") == 0) {
        db_command(&cursor);
    } else if (strcmp(tok, "infer") == 0) {
        infer_command(&cursor);
    } else if (strcmp(tok, "results") == 0) {
        device->results();
    } else {
        th_mlperf_puts("e-[Unknown command: ");
        th_mlperf_puts(tok);
        th_mlperf_puts("]\r\n");
    }
}

void th_mlperf_receive(uint8_t byte)
{
    if (byte == '%') {
        cmd_buf[cmd_len] = 0;
        if (cmd_overflow) {
            th_mlperf_puts("e-[Command longer than 80 characters]\r\n");
        } else if (cmd_bad_byte) {
            th_mlperf_puts("e-[Command has a byte that is not printable ASCII: 0x");
            put_hex2((uint8_t)(cmd_bad_byte - 1));
            th_mlperf_puts("]\r\n");
        } else {
            run_command(cmd_buf);
        }
        th_mlperf_puts("m-ready\r\n");
        cmd_len = 0;
        cmd_overflow = 0;
        cmd_bad_byte = 0;
        return;
    }
    /* Line ends from a terminal are not part of a command. */
    if (byte == '\r' || byte == '\n')
        return;
    if ((byte < 0x20 || byte > 0x7E) && !cmd_bad_byte)
        cmd_bad_byte = byte + 1;
    if (cmd_len < TH_MLPERF_CMD_SIZE)
        cmd_buf[cmd_len++] = (char)byte;
    else
        cmd_overflow = 1;
}

void th_mlperf_init(const th_mlperf_device *dev)
{
    device = dev;
    cmd_len = 0;
    cmd_overflow = 0;
    cmd_bad_byte = 0;
    db_size = 0;
    db_pos = 0;
}
