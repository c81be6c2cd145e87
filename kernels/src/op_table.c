/* The op set: which ops this build links.  By default every op of
 * TH_OP_LIST; a build for one model's ops (hil firmware --model, the MLPerf
 * Tiny image) defines TH_OP_SET_HEADER and puts a th_op_set.h on the include
 * path whose TH_OP_SET(X) lists X(name) for each op wanted, so the other ops'
 * code is not linked. */
#include "th_op.h"

#ifdef TH_OP_SET_HEADER
#include "th_op_set.h"
#define TH_OP_SET_ENTRY(name) {TH_OP_##name, &TH_OP_KERNEL(name)},
const th_op_entry th_op_table[] = {TH_OP_SET(TH_OP_SET_ENTRY)};
#else
#define TH_OP_LIST_ENTRY(name, id) {id, &TH_OP_KERNEL(name)},
const th_op_entry th_op_table[] = {TH_OP_LIST(TH_OP_LIST_ENTRY)};
#endif
const uint32_t th_op_table_count = (uint32_t)(sizeof(th_op_table) / sizeof(th_op_table[0]));

const th_op_kernel *th_op_kernel_for(uint32_t op_type)
{
    for (uint32_t i = 0; i < th_op_table_count; ++i) {
        if (th_op_table[i].op_type == op_type) {
            return th_op_table[i].kernel;
        }
    }
    return NULL;
}
