/* Which kernel variants a build holds, decided once from what the compiler
 * targets (as TFLM picks its optimized kernels):
 *
 *   TH_KERNELS_MVE  Helium (M-profile Vector Extension, __ARM_FEATURE_MVE:
 *                   Cortex-M55, M85) variants, *_mve.c;
 *   TH_KERNELS_DSP  DSP-extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33,
 *                   M55, ...) variants, *_dsp.c;
 *   neither         the reference kernels (conv_2d.c etc.).
 *
 * An op with an MVE variant keeps its DSP variant as the fallback for the
 * shapes the MVE one does not take: the DSP entry point is then named
 * TH_DSP_ENTRY(th_conv2d_s8) == th_conv2d_s8_dsp and the MVE file defines
 * th_conv2d_s8.
 *
 * TH_KERNELS_REFERENCE forces the reference kernels (the size-optimised
 * build); TH_KERNELS_NO_MVE leaves the Helium variants out (a Cortex-M55 then
 * runs the DSP ones, to compare the two on one board).  The *_PORTABLE
 * switches build a variant anywhere with its instructions written in plain C,
 * so the host tests run it under the sanitizers; MVE portable implies DSP
 * portable (the MVE variants fall back on the DSP ones). */
#ifndef TH_KERNEL_ISA_H
#define TH_KERNEL_ISA_H

#if defined(TH_KERNELS_MVE_PORTABLE) && !defined(TH_KERNELS_DSP_PORTABLE)
#define TH_KERNELS_DSP_PORTABLE 1
#endif

#if !defined(TH_KERNELS_REFERENCE) && (defined(__ARM_FEATURE_DSP) || defined(TH_KERNELS_DSP_PORTABLE))
#define TH_KERNELS_DSP 1
#else
#define TH_KERNELS_DSP 0
#endif

#if TH_KERNELS_DSP && !defined(TH_KERNELS_NO_MVE) && \
    (defined(TH_KERNELS_MVE_PORTABLE) || (defined(__ARM_FEATURE_MVE) && !defined(TH_KERNELS_DSP_PORTABLE)))
#define TH_KERNELS_MVE 1
#else
#define TH_KERNELS_MVE 0
#endif

#if TH_KERNELS_MVE
#define TH_DSP_ENTRY(name) name##_dsp
#else
#define TH_DSP_ENTRY(name) name
#endif

#endif
