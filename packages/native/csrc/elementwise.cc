// Elementwise kernels (see kernels.h for the contracts): memory-bound, threads only above a size where they pay.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "simd.h"

namespace sal {
// ---------------------------------------------------------------------------------------------------------
// Elementwise (memory-bound: threads only above a size where they pay)

namespace {

template <int OP>
inline vf binop(vf a, vf b) {
  if constexpr (OP == kAdd) return a + b;
  else if constexpr (OP == kSub) return a - b;
  else if constexpr (OP == kMul) return a * b;
  else return a / b;
}
template <int OP>
inline float binop1(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  else if constexpr (OP == kSub) return a - b;
  else if constexpr (OP == kMul) return a * b;
  else return a / b;
}

template <int OP>
void binary_t(const float* a, const float* b, float* out, int64_t outer, int64_t inner, int am, int bm) {
  // operand element (o, i): mode 0 full [outer,inner], 1 a row [inner] repeated, 2 a scalar
  const auto rowp = [inner](const float* p, int mode, int64_t o) { return mode == 0 ? p + o * inner : p; };
#pragma omp parallel for schedule(static) if (outer * inner >= kParallelMin && outer > 1)
  for (int64_t o = 0; o < outer; o++) {
    const float* ar = rowp(a, am, o);
    const float* br = rowp(b, bm, o);
    float* orow = out + o * inner;
    int64_t i = 0;
    const vf as = splat(a[0]), bs = splat(b[0]);
    for (; i + VL <= inner; i += VL) {
      const vf av = am == 2 ? as : loadu(ar + i);
      const vf bv = bm == 2 ? bs : loadu(br + i);
      storeu(orow + i, binop<OP>(av, bv));
    }
    for (; i < inner; i++) orow[i] = binop1<OP>(am == 2 ? a[0] : ar[i], bm == 2 ? b[0] : br[i]);
  }
}
}  // namespace

void binary(const float* a, const float* b, float* out, int op, int64_t outer, int64_t inner, int am, int bm) {
  // a single long row (both full, or scalars) is split into rows so that threads can share it
  if (outer == 1 && am != 1 && bm != 1 && inner >= kParallelMin) {
    const int64_t rowlen = 4096;
    const int64_t rows = inner / rowlen;
    if (rows > 0) {
      binary(a, b, out, op, rows, rowlen, am, bm);
      const int64_t done = rows * rowlen;
      binary(am == 2 ? a : a + done, bm == 2 ? b : b + done, out + done, op, 1, inner - done, am, bm);
      return;
    }
  }
  switch (op) {
    case kAdd: binary_t<kAdd>(a, b, out, outer, inner, am, bm); break;
    case kSub: binary_t<kSub>(a, b, out, outer, inner, am, bm); break;
    case kMul: binary_t<kMul>(a, b, out, outer, inner, am, bm); break;
    default: binary_t<kDiv>(a, b, out, outer, inner, am, bm); break;
  }
}

void channel_affine(const float* x, const float* scale, const float* shift, float* out, int64_t outer, int64_t c, int act, float alpha) {
#pragma omp parallel for schedule(static) if (outer * c >= kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    const float* xr = x + o * c;
    float* orow = out + o * c;
    int64_t i = 0;
    for (; i + VL <= c; i += VL) {
      vf v = loadu(xr + i) * loadu(scale + i);
      if (shift) v += loadu(shift + i);
      storeu(orow + i, activate_v(v, act, alpha));
    }
    for (; i < c; i++) orow[i] = activate(xr[i] * scale[i] + (shift ? shift[i] : 0.f), act, alpha);
  }
}

void unary(const float* x, float* out, int op, int64_t n, float alpha) {
  const int64_t chunk = 4096;
  if (op == kExp) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i0 = 0; i0 < n; i0 += chunk) {
      const int64_t i1 = std::min(n, i0 + chunk);
      int64_t i = i0;
      for (; i + VL <= i1; i += VL) storeu(out + i, exp_v(loadu(x + i)));
      if (i < i1) {  // the tail through the same vector code: equal inputs give equal outputs wherever they are
        alignas(64) float t[VL] = {};
        std::memcpy(t, x + i, static_cast<size_t>(i1 - i) * sizeof(float));
        storeu(t, exp_v(loadu(t)));
        std::memcpy(out + i, t, static_cast<size_t>(i1 - i) * sizeof(float));
      }
    }
    return;
  }
  const int64_t chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t q = 0; q < chunks; q++) {
    const int64_t i0 = q * chunk, i1 = std::min(n, i0 + chunk);
    int64_t i = i0;
    for (; i + VL <= i1; i += VL) {
      const vf v = loadu(x + i);
      storeu(out + i, op == kSquare ? v * v : activate_v(v, op == kUnaryElu ? kElu : kRelu, alpha));
    }
    for (; i < i1; i++) out[i] = op == kSquare ? x[i] * x[i] : activate(x[i], op == kUnaryElu ? kElu : kRelu, alpha);
  }
}

int64_t f64_to_f32(const double* src, float* dst, int64_t n) {
  const int64_t chunk = 4096;
  const int64_t chunks = (n + chunk - 1) / chunk;
  int64_t first = n;  // the first non-finite index (n: none)
#pragma omp parallel for schedule(static) reduction(min : first) if (n >= kParallelMin)
  for (int64_t q = 0; q < chunks; q++) {
    const int64_t i0 = q * chunk, i1 = std::min(n, i0 + chunk);
    for (int64_t i = i0; i < i1; i++) dst[i] = static_cast<float>(src[i]);
    // stays 0 while every value is finite (x − x is NaN for ±∞ and NaN)
    vf acc{};
    int64_t i = i0;
    for (; i + VL <= i1; i += VL) {
      const vf v = loadu(dst + i);
      acc += v - v;
    }
    float bad = hsum(acc);
    for (; i < i1; i++) bad += dst[i] - dst[i];
    if (bad != 0.f) {
      for (int64_t i = i0; i < i1; i++)
        if (!std::isfinite(dst[i])) {
          first = std::min(first, i);
          break;
        }
    }
  }
  return first == n ? -1 : first;
}

void elu_grad(const float* dy, const float* y, float* out, int64_t n) {
  const int64_t chunk = 4096;
  const int64_t chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t q = 0; q < chunks; q++) {
    const int64_t i0 = q * chunk, i1 = std::min(n, i0 + chunk);
    int64_t i = i0;
    for (; i + VL <= i1; i += VL) {
      const vf yv = loadu(y + i), d = loadu(dy + i);
      storeu(out + i, yv < 0.f ? d * (yv + 1.f) : d);
    }
    for (; i < i1; i++) out[i] = y[i] < 0.f ? dy[i] * (y[i] + 1.f) : dy[i];
  }
}
}  // namespace sal

namespace sal {
void copy_runs(const float* src, int64_t srcStride, float* dst, int64_t dstStride, int64_t runs, int64_t len, int64_t before,
               int64_t after, float value) {
#pragma omp parallel for schedule(static) if (runs * (len + before + after) >= kParallelMin && runs > 1)
  for (int64_t r = 0; r < runs; r++) {
    const float* s = src + r * srcStride;
    float* d = dst + r * dstStride;
    for (int64_t i = 0; i < before; i++) d[i] = value;
    d += before;
    if (len >= 16) std::memcpy(d, s, static_cast<size_t>(len) * sizeof(float));
    else
      for (int64_t i = 0; i < len; i++) d[i] = s[i];
    for (int64_t i = 0; i < after; i++) d[len + i] = value;
  }
}
}  // namespace sal
