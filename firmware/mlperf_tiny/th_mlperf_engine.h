/* The linked-in model behind the protocol; NULL (after an e-[...] line) when
 * its plan does not load. */
#ifndef TH_MLPERF_ENGINE_H
#define TH_MLPERF_ENGINE_H
#include "th_mlperf_tiny.h"
const th_mlperf_device *th_mlperf_engine_init(void);
#endif
