"""Int8 stand-ins for the four MLPerf Tiny reference models, generated from a seed.

A fresh clone has no ../shared/models, yet tests and benchmarks need realistic
int8 models.  Instruction counts and memory depend on the topology, not the
weights, so each stand-in mirrors its real counterpart's graph exactly (op
sequence, shapes, strides, paddings, fused activations, per-channel conv /
per-tensor FC quantization, input quantization) with seeded weights.

Quantization is done the way a post-training converter does it, so activations
use their int8 range instead of saturating:
  1. build the float network layer by layer with He-initialised weights; each
     conv / dense layer that has batch normalisation in the real model gets one
     whose statistics come from the calibration batch (folded into the weights
     and bias, as the converter folds trained batch norms);
  2. run it (hil.modelgen.float_ref) on a few seeded random int8 inputs,
     dequantized, and record every activation's min / max;
  3. quantize: conv / depthwise weights per-channel symmetric, FC weights
     per-tensor symmetric (optionally per-channel), int32 biases at
     input_scale * weight_scale, activations asymmetric from the calibrated
     range (ReLU outputs from 0, so zero point -128), softmax output 1/256, -128.

Statistics taken from the float run are rounded to 6 significant digits before
use, so last-bit differences between BLAS builds do not change the bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import float_ref
from .builder import ModelBuilder

# Real counterpart of each stand-in, as named in ../shared/models.
REAL_MODEL_FILES: dict[str, str] = {
    "vww": "vww_96_int8.tflite",
    "kws": "kws_ref_model.tflite",
    "ic": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}

# TFLite enum values used in options tables.
_SAME, _VALID = 0, 1
_NO_ACTIVATION, _RELU, _RELU6 = 0, 1, 3


def _fused(relu) -> int:
    """The fused activation code of `relu`: True (RELU), "RELU6", or False (none)."""
    return _RELU6 if relu == "RELU6" else _RELU if relu else _NO_ACTIVATION


def _activate(values, relu):
    return np.clip(values, 0.0, 6.0) if relu == "RELU6" else float_ref.relu(values) if relu else values

# Batch-norm gamma is drawn log-uniformly in [1/2, 2] and beta around 0, so
# per-channel weight scales differ by up to ~4x, as in trained models.
_GAMMA_OCTAVES = 1.0
_BETA_STD = 0.3
# Biases of layers without batch norm: small relative to the layer's output.
_SMALL_BIAS_FRACTION = 0.05
# Spread of the classifier logits across inputs, so softmax outputs move.
_LOGIT_STD = 1.5


def _round_significant(values, digits: int = 6) -> np.ndarray:
    """Round to `digits` significant digits via decimal formatting (exact on every platform)."""
    arr = np.asarray(values, dtype=np.float64)
    return np.array([float(f"{v:.{digits}g}") for v in arr.ravel()]).reshape(arr.shape)


def _float32(value) -> float:
    return float(np.float32(value))


@dataclass
class _Activation:
    """An activation tensor: its index in the model and its float values on the calibration batch."""
    index: int
    values: np.ndarray
    scale: float
    zero_point: int


class _CalibratedNet:
    """Builds the float network eagerly on a calibration batch and emits its int8 form."""

    def __init__(self, description: str, seed: int, input_shape, input_scale: float,
                 input_zero_point: int, calibration_inputs: int, per_channel_fc: bool):
        self.rng = np.random.default_rng(seed)
        self.builder = ModelBuilder(description)
        self.per_channel_fc = per_channel_fc
        self._layer_counts: dict[str, int] = {}
        input_scale = _float32(input_scale)
        # Calibrate on what the harness feeds: uniform random int8, dequantized.
        q = self.rng.integers(-128, 128, size=(calibration_inputs, *input_shape[1:]))
        values = (q - input_zero_point) * input_scale
        index = self.builder.input("input", input_shape, input_scale, input_zero_point)
        self.input = _Activation(index, values, input_scale, input_zero_point)

    # -- layers ----------------------------------------------------------------
    def conv(self, x: _Activation, out_channels: int, kernel: tuple[int, int], stride: int = 1,
             relu: bool | str = True, batch_norm: bool = True) -> _Activation:
        """CONV_2D, SAME padding; `relu`: True (RELU), "RELU6" or False."""
        kh, kw = kernel
        in_channels = x.values.shape[-1]
        filters = self._he_normal((out_channels, kh, kw, in_channels), fan_in=kh * kw * in_channels)
        pre_activation = float_ref.conv2d(x.values, filters, stride=stride, padding="SAME")
        filters, bias, pre_activation = self._bias(filters, pre_activation, out_axis=0, batch_norm=batch_norm)
        name = self._name("conv")
        return self._emit_weighted_op(
            "CONV_2D", "Conv2DOptions", name, x, filters, bias, pre_activation, relu,
            quantized_dimension=0, per_channel=True,
            options=dict(padding=_SAME, stride_w=stride, stride_h=stride))

    def depthwise(self, x: _Activation, kernel: tuple[int, int], stride: int = 1,
                  relu: bool | str = True) -> _Activation:
        kh, kw = kernel
        channels = x.values.shape[-1]
        filters = self._he_normal((1, kh, kw, channels), fan_in=kh * kw)
        pre_activation = float_ref.depthwise_conv2d(x.values, filters, stride=stride, padding="SAME")
        filters, bias, pre_activation = self._bias(filters, pre_activation, out_axis=3, batch_norm=True)
        name = self._name("depthwise")
        return self._emit_weighted_op(
            "DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions", name, x, filters, bias, pre_activation, relu,
            quantized_dimension=3, per_channel=True,
            options=dict(padding=_SAME, stride_w=stride, stride_h=stride, depth_multiplier=1))

    def dense(self, x: _Activation, units: int, relu: bool = True, batch_norm: bool = True,
              logit_std: float | None = None) -> _Activation:
        """FULLY_CONNECTED.  `logit_std` standardises a classifier's logits across inputs instead."""
        in_features = x.values.shape[-1]
        weights = self._he_normal((units, in_features), fan_in=in_features)
        pre_activation = float_ref.fully_connected(x.values, weights)
        if logit_std is not None:
            weights, bias, pre_activation = self._standardise(weights, pre_activation, 0,
                                                              np.full(units, logit_std), np.zeros(units))
        else:
            weights, bias, pre_activation = self._bias(weights, pre_activation, out_axis=0,
                                                       batch_norm=batch_norm)
        name = self._name("dense")
        return self._emit_weighted_op(
            "FULLY_CONNECTED", "FullyConnectedOptions", name, x, weights, bias, pre_activation, relu,
            quantized_dimension=0, per_channel=self.per_channel_fc, options={})

    def add(self, a: _Activation, b: _Activation, relu: bool = True) -> _Activation:
        values = a.values + b.values
        if relu:
            values = float_ref.relu(values)
        out = self._activation(self._name("add"), values, relu)
        self.builder.op("ADD", [a.index, b.index], [out.index], "AddOptions",
                        fused_activation_function=_RELU if relu else _NO_ACTIVATION)
        return out

    def classifier_head(self, x: _Activation, classes: int) -> bytes:
        """Global AVERAGE_POOL_2D + RESHAPE + FULLY_CONNECTED + SOFTMAX, the MLPerf heads; returns the model."""
        _, h, w, channels = x.values.shape
        pooled_values = float_ref.average_pool2d(x.values, (h, w), stride=h)
        # Pooling and reshaping keep the input's quantization, as the converter emits them.
        pooled = self._tensor_like(x, "average_pool", pooled_values)
        self.builder.op("AVERAGE_POOL_2D", [x.index], [pooled.index], "Pool2DOptions",
                        padding=_VALID, stride_w=w, stride_h=h, filter_width=w, filter_height=h,
                        fused_activation_function=_NO_ACTIVATION)
        flat = self._tensor_like(pooled, "reshape", pooled_values.reshape(len(pooled_values), channels))
        new_shape = self.builder.const("reshape/shape", np.array([-1, channels], np.int32))
        self.builder.op("RESHAPE", [pooled.index, new_shape], [flat.index])
        logits = self.dense(flat, classes, relu=False, logit_std=_LOGIT_STD)
        probabilities = self.builder.tensor("softmax", (1, classes), scale=1 / 256, zero_point=-128)
        self.builder.op("SOFTMAX", [logits.index], [probabilities], "SoftmaxOptions", beta=1.0)
        return self.finish(probabilities)

    def finish(self, output: _Activation | int) -> bytes:
        self.builder.mark_output(output if isinstance(output, int) else output.index)
        return self.builder.build()

    # -- float weights ---------------------------------------------------------
    def _he_normal(self, shape, fan_in: int) -> np.ndarray:
        return self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)

    def _bias(self, weights, pre_activation, out_axis: int, batch_norm: bool):
        """Weights, bias and biased pre-activation: folded batch norm, or a small random bias."""
        channels = weights.shape[out_axis]
        if batch_norm:
            gamma = _round_significant(2.0 ** self.rng.uniform(-_GAMMA_OCTAVES, _GAMMA_OCTAVES, channels))
            beta = _round_significant(gamma * self.rng.normal(0.0, _BETA_STD, channels))
            return self._standardise(weights, pre_activation, out_axis, gamma, beta)
        spread = _round_significant(pre_activation.std())
        bias = _round_significant(self.rng.normal(0.0, _SMALL_BIAS_FRACTION * spread, channels))
        return weights, bias, pre_activation + bias

    @staticmethod
    def _standardise(weights, pre_activation, out_axis: int, gamma, beta):
        """Fold batch norm with calibration-batch statistics: each output channel gets std gamma, mean beta."""
        reduce_axes = tuple(range(pre_activation.ndim - 1))
        mean = _round_significant(pre_activation.mean(axis=reduce_axes))
        std = _round_significant(pre_activation.std(axis=reduce_axes))
        factor = gamma / np.where(std > 0, std, 1.0)
        broadcast = [1] * weights.ndim
        broadcast[out_axis] = -1
        folded_weights = weights * factor.reshape(broadcast)
        bias = beta - mean * factor
        return folded_weights, bias, pre_activation * factor + bias

    # -- int8 emission ---------------------------------------------------------
    def _emit_weighted_op(self, opcode, options_name, name, x: _Activation, weights, bias,
                          pre_activation, relu: bool, quantized_dimension: int, per_channel: bool,
                          options: dict) -> _Activation:
        weight_scale, q_weights = self._quantize_symmetric(weights, quantized_dimension, per_channel)
        weights_index = self.builder.const(f"{name}/weights", q_weights, scale=weight_scale,
                                           quantized_dimension=quantized_dimension)
        # One bias scale per weight scale: per-channel, or a single one.
        bias_scale = (np.float64(x.scale) * weight_scale.astype(np.float64)).astype(np.float32)
        q_bias = np.clip(np.round(bias / bias_scale.astype(np.float64)), -2**31, 2**31 - 1).astype(np.int32)
        bias_index = self.builder.const(f"{name}/bias", q_bias, scale=bias_scale)
        values = _activate(pre_activation, relu)
        out = self._activation(name + (f"/{'relu6' if relu == 'RELU6' else 'relu'}" if relu else ""), values, relu)
        self.builder.op(opcode, [x.index, weights_index, bias_index], [out.index], options_name,
                        fused_activation_function=_fused(relu), **options)
        return out

    @staticmethod
    def _quantize_symmetric(weights, quantized_dimension: int, per_channel: bool):
        """Symmetric int8 in [-127, 127]: one scale per slice along quantized_dimension, or one in all."""
        if per_channel:
            other_axes = tuple(a for a in range(weights.ndim) if a != quantized_dimension)
            abs_max = np.abs(weights).max(axis=other_axes)
        else:
            abs_max = np.atleast_1d(np.abs(weights).max())
        scale = (np.where(abs_max > 0, abs_max, 1.0) / 127.0).astype(np.float32)
        broadcast = [1] * weights.ndim
        if per_channel:
            broadcast[quantized_dimension] = -1
        q = np.clip(np.round(weights / scale.astype(np.float64).reshape(broadcast)), -127, 127)
        return scale, q.astype(np.int8)

    def _activation(self, name: str, values: np.ndarray, relu: bool) -> _Activation:
        """An int8 activation tensor whose scale and zero point cover the calibrated range."""
        lo, hi = _round_significant([min(values.min(), 0.0), max(values.max(), 0.0)])
        if relu:
            lo = 0.0
        scale = _float32(max(hi - lo, 1e-6) / 255.0)
        zero_point = int(np.clip(np.round(-128 - lo / scale), -128, 127))
        index = self.builder.tensor(name, (1, *values.shape[1:]), scale=scale, zero_point=zero_point)
        return _Activation(index, values, scale, zero_point)

    def _tensor_like(self, like: _Activation, name: str, values: np.ndarray) -> _Activation:
        index = self.builder.tensor(self._name(name), (1, *values.shape[1:]),
                                    scale=like.scale, zero_point=like.zero_point)
        return _Activation(index, values, like.scale, like.zero_point)

    def _name(self, kind: str) -> str:
        count = self._layer_counts.get(kind, 0)
        self._layer_counts[kind] = count + 1
        return f"{kind}_{count}"


# -- the four topologies --------------------------------------------------------

# MobileNetV1-0.25 after its first conv: (depthwise stride, pointwise channels).
_VWW_BLOCKS = [(1, 16), (2, 32), (1, 32), (2, 64), (1, 64), (2, 128),
               (1, 128), (1, 128), (1, 128), (1, 128), (1, 128), (2, 256), (1, 256)]


def vww(seed: int = 0, per_channel_fc: bool = False) -> bytes:
    """Visual wake words: MobileNetV1-0.25 on 96x96x3, 2 classes (like vww_96_int8.tflite)."""
    net = _CalibratedNet("tinyhil stand-in for vww_96_int8 (MobileNetV1-0.25, seeded weights)", seed,
                         (1, 96, 96, 3), input_scale=1 / 255, input_zero_point=-128,
                         calibration_inputs=16, per_channel_fc=per_channel_fc)
    x = net.conv(net.input, 8, (3, 3), stride=2)
    for stride, channels in _VWW_BLOCKS:
        x = net.depthwise(x, (3, 3), stride)
        x = net.conv(x, channels, (1, 1))
    return net.classifier_head(x, classes=2)


def kws(seed: int = 0, per_channel_fc: bool = False) -> bytes:
    """Keyword spotting: DS-CNN on 49x10 MFCCs, 12 classes (like kws_ref_model.tflite)."""
    net = _CalibratedNet("tinyhil stand-in for kws_ref_model (DS-CNN, seeded weights)", seed,
                         (1, 49, 10, 1), input_scale=0.5847029089927673, input_zero_point=83,
                         calibration_inputs=16, per_channel_fc=per_channel_fc)
    x = net.conv(net.input, 64, (10, 4), stride=2)
    for _ in range(4):
        x = net.depthwise(x, (3, 3))
        x = net.conv(x, 64, (1, 1))
    return net.classifier_head(x, classes=12)


def ic(seed: int = 0, per_channel_fc: bool = False) -> bytes:
    """Image classification: ResNet-8 on 32x32x3 CIFAR-10, 10 classes (like pretrainedResnet_quant.tflite)."""
    net = _CalibratedNet("tinyhil stand-in for pretrainedResnet_quant (ResNet-8, seeded weights)", seed,
                         (1, 32, 32, 3), input_scale=1.0, input_zero_point=-128,
                         calibration_inputs=16, per_channel_fc=per_channel_fc)
    x = net.conv(net.input, 16, (3, 3))
    # Identity block, then two downsampling blocks whose shortcut is a 1x1 stride-2
    # conv without batch norm; the ADD operand order is the real model's.
    branch = net.conv(x, 16, (3, 3))
    branch = net.conv(branch, 16, (3, 3), relu=False)
    x = net.add(x, branch)
    for channels in (32, 64):
        branch = net.conv(x, channels, (3, 3), stride=2)
        branch = net.conv(branch, channels, (3, 3), relu=False)
        shortcut = net.conv(x, channels, (1, 1), stride=2, relu=False, batch_norm=False)
        x = net.add(shortcut, branch)
    return net.classifier_head(x, classes=10)


def ad(seed: int = 0, per_channel_fc: bool = False) -> bytes:
    """Anomaly detection: dense autoencoder 640-128x4-8-128x4-640 (like ad01_int8.tflite)."""
    net = _CalibratedNet("tinyhil stand-in for ad01_int8 (ToyCar autoencoder, seeded weights)", seed,
                         (1, 640), input_scale=0.3910152316093445, input_zero_point=89,
                         calibration_inputs=64, per_channel_fc=per_channel_fc)
    x = net.input
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = net.dense(x, units)
    # The reconstruction layer is linear, without batch norm.
    return net.finish(net.dense(x, 640, relu=False, batch_norm=False))


STANDINS: dict[str, Callable[[], bytes]] = {"vww": vww, "kws": kws, "ic": ic, "ad": ad}


# -- whole models a user would bring --------------------------------------------

def _divisible(channels: float, by: int = 8) -> int:
    """Keras's _make_divisible: round to a multiple of `by`, never more than 10% below."""
    rounded = max(by, int(channels + by / 2) // by * by)
    return rounded + by if rounded < 0.9 * channels else rounded


# MobileNetV2's inverted residual blocks: (expansion, output channels, repeats, first stride).
_MOBILENET_V2_BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                        (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenet_v2(alpha: float = 0.35, size: int = 96, classes: int = 2, seed: int = 0) -> bytes:
    """MobileNetV2 (Keras's layout: ReLU6, linear bottlenecks, residual ADDs, 1280-channel head)
    on size x size x 3, seeded weights; alpha 0.35 at 96x96 needs a 140,368 B arena."""
    net = _CalibratedNet(f"tinyhil MobileNetV2-{alpha} {size}x{size} (seeded weights)", seed,
                         (1, size, size, 3), input_scale=1 / 128, input_zero_point=0,
                         calibration_inputs=4, per_channel_fc=False)
    x = net.conv(net.input, _divisible(32 * alpha), (3, 3), stride=2, relu="RELU6")
    for expansion, channels, repeats, first_stride in _MOBILENET_V2_BLOCKS:
        out_channels = _divisible(channels * alpha)
        for r in range(repeats):
            stride = first_stride if r == 0 else 1
            h = net.conv(x, x.values.shape[-1] * expansion, (1, 1), relu="RELU6") if expansion != 1 else x
            h = net.depthwise(h, (3, 3), stride, relu="RELU6")
            h = net.conv(h, out_channels, (1, 1), relu=False)
            x = net.add(x, h, relu=False) if stride == 1 and x.values.shape[-1] == out_channels else h
    x = net.conv(x, 1280, (1, 1), relu="RELU6")
    return net.classifier_head(x, classes=classes)


WHOLE_MODELS: dict[str, Callable[[], bytes]] = {"mobilenet_v2_035_96": mobilenet_v2}
