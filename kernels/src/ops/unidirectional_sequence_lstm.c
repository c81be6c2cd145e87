/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state:
 * byte-exact with TFLM's integer LSTM (lstm_eval.h EvalLstm<int8_t, int8_t,
 * int16_t, int32_t>), the kernel TFLM runs for the converter's fused Keras LSTM
 * (no CIFG, peephole, projection or layer norm).
 *
 * One step, for the batch rows the step covers (all of them time-major, one
 * batch-major):
 *   gate g = act(sat16(FC_in(x) + FC_rec(h)))   int16 Q3.12 in, Q0.15 out; act is
 *            the int16 LUT sigmoid, the cell gate's the LUT tanh
 *   c = clip(sat16(forget * c + input * cell))  each product requantized to int16
 *   h = int8(tanh(c) * output)                  at the hidden state's scale and zero point
 *   output[t] = h
 * Hidden and cell state live in the scratch and start from TFLM's reset state
 * in every inference: the cell at 0, the hidden state at its zero point (real 0). */
#include <string.h>

#include "th_op.h"
#include "tinyhil/th_fixedpoint.h"
#include "sigmoid_lut.h"

enum {
    LSTM_INPUT = 0,
    LSTM_INPUT_WEIGHTS = 1,     /* 1..4: input to input, forget, cell, output gate */
    LSTM_RECURRENT_WEIGHTS = 5, /* 5..8: hidden state to the four gates */
    LSTM_BIAS = 12,             /* 12..15: the four gates' biases */
    LSTM_NUM_INPUTS = 24
};
enum { GATE_INPUT = 0, GATE_FORGET = 1, GATE_CELL = 2, GATE_OUTPUT = 3, NUM_GATES = 4 };

#define LSTM_MAX_DEPTH 65536 /* keeps the int32 gate accumulators exact */

static int16_t sat16(int32_t x)
{
    return (int16_t)th_clamp(x, INT16_MIN, INT16_MAX);
}

/* reference_integer_ops::FullyConnected int8 -> int16 (no activation): rows of
 * `depth` inputs, `units` outputs per row, symmetric weights. */
static void fc_s16(const int8_t *in, int32_t in_offset, const int8_t *weights, const int32_t *bias,
                   int32_t multiplier, int32_t shift, int32_t rows, int32_t depth, int32_t units, int16_t *out)
{
    for (int32_t b = 0; b < rows; ++b) {
        const int8_t *x = in + (size_t)b * depth;
        for (int32_t u = 0; u < units; ++u) {
            const int8_t *w = weights + (size_t)u * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc = th_add_wrap(acc, w[d] * (x[d] + in_offset));
            }
            if (bias != NULL) {
                acc = th_add_wrap(acc, bias[u]);
            }
            out[(size_t)b * units + u] = sat16(th_multiply_by_quantized_multiplier(acc, multiplier, shift));
        }
    }
}

/* reference_integer_ops::MulElementwise of two symmetric int16 values. */
static int32_t mul_requantize(int16_t a, int16_t b, int32_t multiplier, int32_t shift, int32_t offset)
{
    return th_add_wrap(offset, th_multiply_by_quantized_multiplier((int32_t)a * b, multiplier, shift));
}

typedef struct {
    int32_t input_multiplier[NUM_GATES], input_shift[NUM_GATES];
    int32_t recurrent_multiplier[NUM_GATES], recurrent_shift[NUM_GATES];
} gate_quant;

static gate_quant gate_quant_of(const th_lstm_params *p)
{
    gate_quant q;
    q.input_multiplier[GATE_INPUT] = p->input_gate_input_multiplier;
    q.input_shift[GATE_INPUT] = p->input_gate_input_shift;
    q.recurrent_multiplier[GATE_INPUT] = p->input_gate_recurrent_multiplier;
    q.recurrent_shift[GATE_INPUT] = p->input_gate_recurrent_shift;
    q.input_multiplier[GATE_FORGET] = p->forget_gate_input_multiplier;
    q.input_shift[GATE_FORGET] = p->forget_gate_input_shift;
    q.recurrent_multiplier[GATE_FORGET] = p->forget_gate_recurrent_multiplier;
    q.recurrent_shift[GATE_FORGET] = p->forget_gate_recurrent_shift;
    q.input_multiplier[GATE_CELL] = p->cell_gate_input_multiplier;
    q.input_shift[GATE_CELL] = p->cell_gate_input_shift;
    q.recurrent_multiplier[GATE_CELL] = p->cell_gate_recurrent_multiplier;
    q.recurrent_shift[GATE_CELL] = p->cell_gate_recurrent_shift;
    q.input_multiplier[GATE_OUTPUT] = p->output_gate_input_multiplier;
    q.input_shift[GATE_OUTPUT] = p->output_gate_input_shift;
    q.recurrent_multiplier[GATE_OUTPUT] = p->output_gate_recurrent_multiplier;
    q.recurrent_shift[GATE_OUTPUT] = p->output_gate_recurrent_shift;
    return q;
}

typedef struct {
    const th_lstm_params *p;
    const th_lstm_weights *w;
    gate_quant q;
    int32_t input_dim, state_dim;
    int16_t *gates[NUM_GATES]; /* TFLM's buffer0..buffer3 */
} lstm_step_ctx;

/* CalculateLstmGate: both FCs, their saturated sum, the activation. */
static void lstm_gate(const lstm_step_ctx *s, int32_t g, int32_t rows, const int8_t *x, const int8_t *h,
                      int16_t *out, int16_t *tmp)
{
    const int32_t n = rows * s->state_dim;
    fc_s16(x, -s->p->input_zero_point, s->w->input_weights[g], s->w->bias[g], s->q.input_multiplier[g],
           s->q.input_shift[g], rows, s->input_dim, s->state_dim, out);
    fc_s16(h, -s->p->hidden_zero_point, s->w->recurrent_weights[g], NULL, s->q.recurrent_multiplier[g],
           s->q.recurrent_shift[g], rows, s->state_dim, s->state_dim, tmp);
    for (int32_t i = 0; i < n; ++i) {
        const int16_t sum = sat16((int32_t)out[i] + tmp[i]);
        out[i] = g == GATE_CELL ? th_tanh_lut_s16(sum, 3, 0) : th_logistic_lut_s16(sum, 3, 0);
    }
}

/* LstmStep over `rows` batch rows: x [rows][input_dim], h and c [rows][state_dim]. */
static void lstm_step(const lstm_step_ctx *s, int32_t rows, const int8_t *x, int8_t *h, int16_t *c, int8_t *out)
{
    const th_lstm_params *p = s->p;
    const int32_t n = rows * s->state_dim;
    int16_t *forget = s->gates[0], *input_gate = s->gates[1], *cell_gate = s->gates[2], *tmp = s->gates[3];

    lstm_gate(s, GATE_FORGET, rows, x, h, forget, tmp);
    lstm_gate(s, GATE_INPUT, rows, x, h, input_gate, tmp);
    lstm_gate(s, GATE_CELL, rows, x, h, cell_gate, tmp);
    for (int32_t i = 0; i < n; ++i) {
        const int16_t kept = sat16(mul_requantize(forget[i], c[i], p->forget_cell_multiplier, p->forget_cell_shift, 0));
        const int16_t added =
            sat16(mul_requantize(input_gate[i], cell_gate[i], p->input_cell_multiplier, p->input_cell_shift, 0));
        int16_t cell = sat16((int32_t)kept + added);
        if (p->use_cell_clip) {
            cell = (int16_t)th_clamp(cell, -p->cell_clip, p->cell_clip);
        }
        c[i] = cell;
    }
    int16_t *output_gate = s->gates[1];
    lstm_gate(s, GATE_OUTPUT, rows, x, h, output_gate, tmp);
    for (int32_t i = 0; i < n; ++i) {
        const int16_t t = th_tanh_lut_s16(c[i], p->cell_tanh_multiplier, p->cell_tanh_shift);
        h[i] = (int8_t)th_clamp(mul_requantize(t, output_gate[i], p->hidden_multiplier, p->hidden_shift,
                                               p->hidden_zero_point), INT8_MIN, INT8_MAX);
    }
    memcpy(out, h, (size_t)n);
}

/* cell state, four gate buffers (int16), hidden state (int8): batches x state_dim each. */
uint32_t th_lstm_s8_scratch_bytes(int32_t batches, int32_t state_dim)
{
    const uint64_t bytes = (uint64_t)batches * (uint64_t)state_dim * (5u * sizeof(int16_t) + 1u);
    return bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}

void th_lstm_s8(const th_lstm_params *p, const th_lstm_weights *w, th_scratch scratch, int32_t batches,
                int32_t time_steps, int32_t input_dim, int32_t state_dim, const int8_t *input, int8_t *output)
{
    const size_t states = (size_t)batches * state_dim;
    int16_t *cell = (int16_t *)scratch.buf;
    lstm_step_ctx s;
    s.p = p;
    s.w = w;
    s.q = gate_quant_of(p);
    s.input_dim = input_dim;
    s.state_dim = state_dim;
    for (int g = 0; g < NUM_GATES; ++g) {
        s.gates[g] = cell + (size_t)(g + 1) * states;
    }
    int8_t *hidden = (int8_t *)(void *)(cell + 5 * states);
    memset(cell, 0, states * sizeof(int16_t));
    memset(hidden, (int8_t)p->hidden_zero_point, states); /* TFLM resets int8 state to its zero point */

    if (p->time_major) { /* every batch row in one step */
        for (int32_t t = 0; t < time_steps; ++t) {
            lstm_step(&s, batches, input + (size_t)t * batches * input_dim, hidden, cell,
                      output + (size_t)t * states);
        }
        return;
    }
    for (int32_t b = 0; b < batches; ++b) { /* one batch row at a time, its own state */
        for (int32_t t = 0; t < time_steps; ++t) {
            const size_t step = (size_t)b * time_steps + t;
            lstm_step(&s, 1, input + step * input_dim, hidden + (size_t)b * state_dim,
                      cell + (size_t)b * state_dim, output + step * state_dim);
        }
    }
}

/* --- plan glue ----------------------------------------------------------- */

typedef struct {
    int32_t batches, time_steps, input_dim, state_dim;
} lstm_shape;

/* Only after validate's rank checks: input [T][B][I] or [B][T][I], weights [S][I]. */
static lstm_shape lstm_shape_of(const th_op_ctx *ctx, int32_t time_major)
{
    const th_tensor *input = ctx->inputs[LSTM_INPUT];
    lstm_shape s;
    s.batches = time_major ? input->dims[1] : input->dims[0];
    s.time_steps = time_major ? input->dims[0] : input->dims[1];
    s.input_dim = input->dims[2];
    s.state_dim = ctx->inputs[LSTM_INPUT_WEIGHTS + GATE_FORGET]->dims[0];
    return s;
}

/* time_major from the params, -1 where validate will refuse them. */
static int32_t params_time_major(const th_op_ctx *ctx)
{
    th_lstm_params p;
    if (ctx->record.params_bytes != sizeof(p)) {
        return -1;
    }
    memcpy(&p, ctx->params, sizeof(p));
    return p.time_major == 0 || p.time_major == 1 ? p.time_major : -1;
}

static uint32_t lstm_scratch_bytes(const th_op_ctx *ctx)
{
    const th_tensor *input = ctx->inputs[LSTM_INPUT];
    const th_tensor *weights = ctx->num_inputs > LSTM_INPUT_WEIGHTS + GATE_FORGET
                                   ? ctx->inputs[LSTM_INPUT_WEIGHTS + GATE_FORGET] : NULL;
    const int32_t time_major = params_time_major(ctx);
    if (input == NULL || weights == NULL || input->rank != 3 || weights->rank != 2 || time_major < 0) {
        return 0; /* validate refuses these */
    }
    const lstm_shape s = lstm_shape_of(ctx, time_major);
    return th_lstm_s8_scratch_bytes(s.batches, s.state_dim);
}

static th_status check_tensor(const th_op_ctx *ctx, int32_t i, uint8_t dtype, uint8_t rank, int32_t dim0,
                              int32_t dim1, th_error *err)
{
    const th_tensor *t = ctx->inputs[i];
    const int32_t index = ctx->input_index[i];
    if (t == NULL) {
        return th_op_fail(ctx, err, TH_ERR_BAD_OP, -1, TH_FIELD_TENSOR_INDEX, i, TH_NO_TENSOR);
    }
    if (t->dtype != dtype) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, index, TH_FIELD_TYPE, dtype, t->dtype);
    }
    if (t->rank != rank) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_RANK, rank, t->rank);
    }
    if (dim0 >= 0 && t->dims[0] != dim0) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_DIM, dim0, t->dims[0]);
    }
    if (dim1 >= 0 && rank > 1 && t->dims[1] != dim1) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, index, TH_FIELD_DIM, dim1, t->dims[1]);
    }
    return TH_OK;
}

static th_status check_multiplier(const th_op_ctx *ctx, uint32_t multiplier_at, int32_t multiplier,
                                  uint32_t shift_at, int32_t shift, th_error *err)
{
    th_status s = th_op_check_param(ctx, multiplier_at, multiplier, 0, INT32_MAX, err);
    return s != TH_OK ? s : th_op_check_param(ctx, shift_at, shift, -31, 30, err);
}

#define LSTM_CHECK_MULTIPLIER(ctx, p, name, err)                                                    \
    check_multiplier((ctx), TH_FIELD_OFFSET(p, name##_multiplier), (p).name##_multiplier,           \
                     TH_FIELD_OFFSET(p, name##_shift), (p).name##_shift, (err))

static th_status lstm_validate(const th_op_ctx *ctx, th_error *err)
{
    th_lstm_params p;
    th_status s;
    if ((s = th_op_params(ctx, &p, sizeof(p), err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, time_major, 0, 1, err)) != TH_OK) {
        return s;
    }
    /* The engine's LSTM has no peephole, projection, layer norm or auxiliary input,
     * and keeps its state in the scratch: any tensor but the 13 it reads is refused. */
    for (int32_t i = 0; i < ctx->num_inputs && i < LSTM_NUM_INPUTS; ++i) {
        const int used = i <= LSTM_RECURRENT_WEIGHTS + GATE_OUTPUT || (i >= LSTM_BIAS && i <= LSTM_BIAS + GATE_OUTPUT);
        if (!used && ctx->inputs[i] != NULL) {
            return th_op_fail(ctx, err, TH_ERR_BAD_OP, ctx->input_index[i], TH_FIELD_TENSOR_INDEX, TH_NO_TENSOR,
                              ctx->input_index[i]);
        }
    }
    if ((s = check_tensor(ctx, LSTM_INPUT, TH_DTYPE_INT8, 3, -1, -1, err)) != TH_OK ||
        (s = check_tensor(ctx, LSTM_INPUT_WEIGHTS + GATE_FORGET, TH_DTYPE_INT8, 2, -1, -1, err)) != TH_OK) {
        return s;
    }
    const lstm_shape shape = lstm_shape_of(ctx, p.time_major);
    for (int32_t g = 0; g < NUM_GATES; ++g) {
        if ((s = check_tensor(ctx, LSTM_INPUT_WEIGHTS + g, TH_DTYPE_INT8, 2, shape.state_dim, shape.input_dim,
                              err)) != TH_OK ||
            (s = check_tensor(ctx, LSTM_RECURRENT_WEIGHTS + g, TH_DTYPE_INT8, 2, shape.state_dim, shape.state_dim,
                              err)) != TH_OK ||
            (s = check_tensor(ctx, LSTM_BIAS + g, TH_DTYPE_INT32, 1, shape.state_dim, -1, err)) != TH_OK) {
            return s;
        }
        const int32_t weights[2] = {LSTM_INPUT_WEIGHTS + g, LSTM_RECURRENT_WEIGHTS + g};
        for (int k = 0; k < 2; ++k) {
            if (ctx->inputs[weights[k]]->zero_point != 0) { /* symmetric weights: no filter offset */
                return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->input_index[weights[k]], TH_FIELD_PARAM, 0,
                                  ctx->inputs[weights[k]]->zero_point);
            }
        }
    }
    if (shape.input_dim > LSTM_MAX_DEPTH || shape.state_dim > LSTM_MAX_DEPTH) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->input_index[LSTM_INPUT_WEIGHTS + GATE_FORGET], TH_FIELD_DIM,
                          LSTM_MAX_DEPTH, shape.input_dim > shape.state_dim ? shape.input_dim : shape.state_dim);
    }
    const th_tensor *input = ctx->inputs[LSTM_INPUT], *output = ctx->output;
    if (output->dtype != TH_DTYPE_INT8) {
        return th_op_fail(ctx, err, TH_ERR_BAD_TENSOR, ctx->output_index, TH_FIELD_TYPE, TH_DTYPE_INT8, output->dtype);
    }
    if (output->rank != 3) {
        return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_RANK, 3, output->rank);
    }
    const int32_t expected_dims[3] = {input->dims[0], input->dims[1], shape.state_dim};
    for (int d = 0; d < 3; ++d) {
        if (output->dims[d] != expected_dims[d]) {
            return th_op_fail(ctx, err, TH_ERR_SHAPE, ctx->output_index, TH_FIELD_DIM, expected_dims[d],
                              output->dims[d]);
        }
    }
    /* The runtime checked the scratch's size against lstm_scratch_bytes; it holds int16s. */
    if (((uintptr_t)ctx->scratch.buf % sizeof(int16_t)) != 0) {
        return th_op_fail(ctx, err, TH_ERR_BOUNDS, -1, TH_FIELD_OFFSET, 0,
                          (int64_t)((uintptr_t)ctx->scratch.buf % sizeof(int16_t)));
    }

    if (p.input_zero_point != input->zero_point) {
        return th_op_fail(ctx, err, TH_ERR_BAD_PARAMS, ctx->input_index[LSTM_INPUT], TH_FIELD_PARAM,
                          input->zero_point, p.input_zero_point);
    }
    if ((s = TH_CHECK_PARAM(ctx, p, input_zero_point, -128, 127, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, hidden_zero_point, -128, 127, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, input_gate_input, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, input_gate_recurrent, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, forget_gate_input, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, forget_gate_recurrent, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, cell_gate_input, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, cell_gate_recurrent, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, output_gate_input, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, output_gate_recurrent, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, forget_cell, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, input_cell, err)) != TH_OK ||
        (s = LSTM_CHECK_MULTIPLIER(ctx, p, hidden, err)) != TH_OK ||
        /* (x * multiplier + round) stays in int32 for every int16 x */
        (s = TH_CHECK_PARAM(ctx, p, cell_tanh_multiplier, 1, 65535, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, cell_tanh_shift, 0, 15, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, use_cell_clip, 0, 1, err)) != TH_OK ||
        (s = TH_CHECK_PARAM(ctx, p, cell_clip, 0, INT16_MAX, err)) != TH_OK) {
        return s;
    }
    return TH_OK;
}

static void lstm_eval(const th_op_ctx *ctx)
{
    th_lstm_params p;
    memcpy(&p, ctx->params, sizeof(p)); /* size and values checked in validate */
    th_lstm_weights w;
    for (int g = 0; g < NUM_GATES; ++g) {
        w.input_weights[g] = (const int8_t *)ctx->inputs[LSTM_INPUT_WEIGHTS + g]->data;
        w.recurrent_weights[g] = (const int8_t *)ctx->inputs[LSTM_RECURRENT_WEIGHTS + g]->data;
        w.bias[g] = (const int32_t *)ctx->inputs[LSTM_BIAS + g]->data;
    }
    const lstm_shape s = lstm_shape_of(ctx, p.time_major);
    th_lstm_s8(&p, &w, ctx->scratch, s.batches, s.time_steps, s.input_dim, s.state_dim,
               (const int8_t *)ctx->inputs[LSTM_INPUT]->data, (int8_t *)ctx->output->data);
}

const th_op_kernel TH_OP_KERNEL(UNIDIRECTIONAL_SEQUENCE_LSTM) = {1, LSTM_NUM_INPUTS, 1, 1, lstm_validate, lstm_eval,
                                                                 lstm_scratch_bytes};
