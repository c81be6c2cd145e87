/* The MLPerf Tiny image: the benchmark's device-under-test protocol over the
 * console UART, with one model's plan linked in (the protocol has no way to
 * download a model).  Boot lines as the reference's ee_benchmark_initialize
 * prints them, with one line saying where m-lap-us comes from. */
#include "th_mlperf_engine.h"
#include "th_mlperf_tiny.h"
#include "th_platform.h"

int main(void)
{
    th_uart_init();
    th_counter_init();
    th_mlperf_time_init();
    th_mlperf_puts("m-timestamp-mode-performance\r\n");
    th_mlperf_puts("m-timer-[");
    th_mlperf_puts(th_mlperf_time_source());
    th_mlperf_puts("]\r\n");
    const th_mlperf_device *device = th_mlperf_engine_init();
    if (!device) {
        th_mlperf_flush();
        th_exit(3);
    }
    th_mlperf_init(device);
    th_mlperf_puts("m-init-done\r\n");
    th_mlperf_puts("m-ready\r\n");
    for (;;) {
        /* Bounded waits, so the time keeps up with a short counter (SysTick) between commands. */
        int c = th_uart_read(10000);
        if (c >= 0)
            th_mlperf_receive((uint8_t)c);
        else
            th_mlperf_time_poll();
    }
}
