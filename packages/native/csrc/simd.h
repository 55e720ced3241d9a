// The SIMD vocabulary every kernel file shares: GCC vector types of the widest width the compiler targets
// (scripts/compile.mjs builds every source once per instruction set: AVX-512, AVX2 + FMA, x86-64), unaligned loads
// and stores, broadcasts, a vectorised e^x, the fused activations, and the register-tile sizes that go with the
// width. Float32 (vf, VL lanes) for the kernels, float64 (vd, VD lanes) for symeig.cc.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels.h"

namespace sal {

#if defined(__AVX512F__)
constexpr int VL = 16;
constexpr int MR = 12;
constexpr const char* kSimd = "avx512";
#elif defined(__AVX2__) || defined(__AVX__)
constexpr int VL = 8;
constexpr int MR = 6;
constexpr const char* kSimd = "avx2";
#else
constexpr int VL = 4;
constexpr int MR = 4;
constexpr const char* kSimd = "sse";
#endif
constexpr int NR = 2 * VL;

typedef float vf __attribute__((vector_size(VL * 4)));
typedef float vfu __attribute__((vector_size(VL * 4), aligned(4), may_alias));

/** The first 64-byte boundary at or after p: a buffer of n + 16 floats holds n floats there, on whole cache lines. */
inline float* align64(float* p) { return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(p) + 63) & ~static_cast<uintptr_t>(63)); }
inline vf loadu(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void storeu(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
// every lane = s (not `vf{} + s`: adding 0 cannot be folded because of −0, and costs an add and a register
// broadcast on the FMA port instead of a broadcast load)
inline vf splat(float s) {
#if defined(__AVX512F__)
  return (vf)_mm512_set1_ps(s);
#elif defined(__AVX__)
  return (vf)_mm256_set1_ps(s);
#else
  return (vf)_mm_set1_ps(s);
#endif
}

typedef int vi __attribute__((vector_size(VL * 4)));

/** Round to the nearest integer, ties to even (the default rounding mode), |v| < 2^31. */
inline vi round_int(vf v) {
#if defined(__AVX512F__)
  return (vi)_mm512_cvtps_epi32((__m512)v);
#elif defined(__AVX__)
  return (vi)_mm256_cvtps_epi32((__m256)v);
#else
  return (vi)_mm_cvtps_epi32((__m128)v);
#endif
}

/** The float whose bits are `bits`. */
inline vf from_bits(vi bits) {
  vf f;
  __builtin_memcpy(&f, &bits, sizeof(f));
  return f;
}

/**
 * e^x for every float x, |rel. error| < 2e-7 where the result is normal (x ≥ −87.34; 8.6e-8 measured over every
 * float32): x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite: ln2 in two parts), Cephes' degree-6 polynomial for e^r,
 * and 2^n through the exponent bits. Below 2^−126 (x in [−103.98, −87.34)) the results are subnormal: their bits
 * are the integer round(p·2^(n+149)), one rounding of the same p (error ≤ 0.75·2^−149, monotone, and no subnormal
 * arithmetic, which costs a microcode assist per instruction on many x86 cores). Below −103.98 (also −∞) the
 * result is 0, above 88.7228 (also +∞) it is +∞, NaN stays NaN. No floating-point operation sees a subnormal
 * operand unless x is one.
 */
inline vf exp_v(vf x) {
  // clamp: NaN → the upper bound (put back at the end); past the bounds the result is 0 or +∞ anyway
  vf xc = x < 88.75f ? x : splat(88.75f);
  xc = xc > -104.f ? xc : splat(-104.f);
  // n = round(x/ln2) by the 1.5·2^23 shift (to nearest, ties to even), n in [−150, 128]
  const vf n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const vi ni = __builtin_convertvector(n, vi);
  const vf r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;  // e^r in [0.70, 1.42]
  // normal results (n ≥ −125): 2p·2^(n−1), both factors normal (2^(n−1) up to 2^127; 2^128 is not a float); the
  // product overflows to +∞ past FLT_MAX
  const vi nn = ni > -125 ? ni : vi{} - 125;
  const vf normal = (p + p) * from_bits((nn + 126) << 23);
  // n ≤ −126: p·2^(n+149) is in [0.35, 2^23·1.42), a normal float; rounded to an integer it is the bit pattern of
  // p·2^n (subnormal below 2^23, the smallest normals above: the encodings are continuous)
  const vi nl = ni < -126 ? ni : vi{} - 126;
  const vi sub = round_int(p * from_bits((nl + 149 + 127) << 23));
  const vf res = ni > -126 ? normal : from_bits(sub);
  return x == x ? res : x;
}

/** Bias and activation on one vector of outputs (relu, elu, relu6, leaky relu; linear passes through). */
inline vf activate_v(vf v, int act, float alpha) {
  switch (act) {
    case kRelu: return v > 0.f ? v : vf{};
    case kElu: return v > 0.f ? v : exp_v(v > 0.f ? vf{} : v) - 1.f;
    case kRelu6: { vf r = v > 0.f ? v : vf{}; return r < 6.f ? r : vf{} + 6.f; }
    case kLeakyRelu: return v > 0.f ? v : v * alpha;
    default: return v;
  }
}

inline float activate(float v, int act, float alpha) {
  switch (act) {
    case kRelu: return v > 0.f ? v : 0.f;
    case kElu: return v > 0.f ? v : std::expm1(v);
    case kRelu6: return std::min(std::max(v, 0.f), 6.f);
    case kLeakyRelu: return v > 0.f ? v : alpha * v;
    default: return v;
  }
}

/** Horizontal sum of a vector. */
inline float hsum(vf v) {
  float s = 0.f;
  for (int i = 0; i < VL; i++) s += v[i];
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Float64 vectors (one register)

constexpr int VD = VL / 2;  // doubles per vector
typedef double vd __attribute__((vector_size(VD * 8)));
typedef double vdu __attribute__((vector_size(VD * 8), aligned(8), may_alias));

inline vd loadu(const double* p) { return *reinterpret_cast<const vdu*>(p); }
inline void storeu(double* p, vd v) { *reinterpret_cast<vdu*>(p) = v; }
inline vd splat(double s) {
#if defined(__AVX512F__)
  return (vd)_mm512_set1_pd(s);
#elif defined(__AVX__)
  return (vd)_mm256_set1_pd(s);
#else
  return (vd)_mm_set1_pd(s);
#endif
}
inline double hsum(vd v) {
  double s = 0;
  for (int i = 0; i < VD; i++) s += v[i];
  return s;
}

}  // namespace sal
