/* Host runner: load a plan and run a batch of inferences from raw files.
 *   th_run PLAN INPUTS OUTPUTS
 * INPUTS holds, for each inference, every model input's bytes in order;
 * OUTPUTS receives every output's bytes the same way.  Used for the
 * sanitizer builds, which cannot be loaded into an uninstrumented Python. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyhil/th_runtime.h"

static unsigned char *read_file(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*size > 0 ? (size_t)*size : 1);
    if (data != NULL && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

static void print_error(const char *what, const th_error *err)
{
    fprintf(stderr, "th_run: %s: %s op=%d (%s) tensor=%d byte_offset=%u field=%u expected=%lld got=%lld\n",
            what, th_status_name((th_status)err->status), err->op_index,
            err->op_type >= 0 ? th_op_name((uint32_t)err->op_type) : "-", err->tensor_index,
            err->byte_offset, err->field, (long long)err->expected, (long long)err->got);
}

static int run_loaded(const unsigned char *plan, long plan_size, void *arena, uint32_t arena_bytes,
                      const unsigned char *inputs, long inputs_size, const char *out_path)
{
    th_error err;
    th_model model;
    if (th_model_load(&model, plan, (uint32_t)plan_size, arena, arena_bytes, &err) != TH_OK) {
        print_error("load", &err);
        return 2;
    }
    uint32_t in_bytes = 0;
    for (uint32_t i = 0; i < th_model_num_inputs(&model); ++i) {
        th_tensor t;
        th_model_input(&model, i, &t);
        in_bytes += t.bytes;
    }
    if (in_bytes == 0 || inputs_size % in_bytes != 0) {
        fprintf(stderr, "th_run: inputs file has %ld bytes, not a multiple of %u\n", inputs_size, in_bytes);
        return 65;
    }
    FILE *out = fopen(out_path, "wb");
    if (out == NULL) {
        fprintf(stderr, "th_run: cannot write %s\n", out_path);
        return 73;
    }
    const long inferences = inputs_size / in_bytes;
    const unsigned char *cursor = inputs;
    for (long n = 0; n < inferences; ++n) {
        for (uint32_t i = 0; i < th_model_num_inputs(&model); ++i) {
            th_tensor t;
            th_model_input(&model, i, &t);
            memcpy(t.data, cursor, t.bytes);
            cursor += t.bytes;
        }
        if (th_model_invoke(&model, &err) != TH_OK) {
            print_error("invoke", &err);
            fclose(out);
            return 2;
        }
        for (uint32_t i = 0; i < th_model_num_outputs(&model); ++i) {
            th_tensor t;
            th_model_output(&model, i, &t);
            fwrite(t.data, 1, t.bytes, out);
        }
    }
    fclose(out);
    return 0;
}

/* Loads the plan into a heap arena and runs every inference of `inputs`,
 * writing the outputs to `out_path`; frees what it took on every path. */
static int run_batch(const unsigned char *plan, long plan_size, const unsigned char *inputs, long inputs_size,
                     const char *out_path)
{
    th_plan_header header;
    th_error err;
    if (th_plan_read_header(plan, (uint32_t)plan_size, &header, &err) != TH_OK) {
        print_error("header", &err);
        return 2;
    }
    void *arena = malloc(header.arena_bytes ? header.arena_bytes : 1);
    const int code = arena == NULL ? 71 : run_loaded(plan, plan_size, arena, header.arena_bytes, inputs,
                                                      inputs_size, out_path);
    free(arena);
    return code;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: th_run PLAN INPUTS OUTPUTS\n");
        return 64;
    }
    long plan_size = 0, inputs_size = 0;
    unsigned char *plan = read_file(argv[1], &plan_size);
    unsigned char *inputs = read_file(argv[2], &inputs_size);
    if (plan == NULL || inputs == NULL) {
        fprintf(stderr, "th_run: cannot read %s\n", plan == NULL ? argv[1] : argv[2]);
        free(plan);
        free(inputs);
        return 66;
    }
    const int code = run_batch(plan, plan_size, inputs, inputs_size, argv[3]);
    free(inputs);
    free(plan);
    return code;
}
