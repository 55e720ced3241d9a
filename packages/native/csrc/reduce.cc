// Sums over one axis (see kernels.h for the contract), accumulated in double.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
// ---------------------------------------------------------------------------------------------------------
// Reductions

namespace {

typedef double vdw __attribute__((vector_size(VL * 8)));  // VL doubles (two registers), beside VL floats

/** acc[0:inner] += Σ_{r in [r0,r1)} x[r·inner + i], accumulated in double (the reduction is memory-bound). */
void sum_rows(const float* x, int64_t r0, int64_t r1, int64_t inner, double* acc) {
  constexpr int IV = 4;  // float vectors of inner columns per register block
  constexpr int64_t IC = IV * VL;
  for (int64_t i0 = 0; i0 < inner; i0 += IC) {
    const int64_t ic = std::min(IC, inner - i0);
    if (ic == IC) {
      vdw v[IV];
      for (int j = 0; j < IV; j++) v[j] = vdw{};
      for (int64_t r = r0; r < r1; r++) {
        const float* p = x + r * inner + i0;
        for (int j = 0; j < IV; j++) v[j] += __builtin_convertvector(loadu(p + j * VL), vdw);
      }
      alignas(64) double t[IC];
      for (int j = 0; j < IV; j++) __builtin_memcpy(t + j * VL, &v[j], sizeof(vdw));
      for (int64_t i = 0; i < IC; i++) acc[i0 + i] += t[i];
    } else {
      double t[IC] = {};
      for (int64_t r = r0; r < r1; r++) {
        const float* p = x + r * inner + i0;
        for (int64_t i = 0; i < ic; i++) t[i] += p[i];
      }
      for (int64_t i = 0; i < ic; i++) acc[i0 + i] += t[i];
    }
  }
}

}  // namespace

void reduce_sum(const float* x, float* out, int64_t outer, int64_t red, int64_t inner, float scale) {
  const int T = omp_get_max_threads();
  if (outer >= T || red < 4096) {
#pragma omp parallel if (outer * red * inner >= kParallelMin && outer > 1)
    {
      std::vector<double> acc(static_cast<size_t>(inner));
#pragma omp for schedule(static)
      for (int64_t o = 0; o < outer; o++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        sum_rows(x + o * red * inner, 0, red, inner, acc.data());
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = static_cast<float>(acc[static_cast<size_t>(i)] * scale);
      }
    }
    return;
  }
  // few outputs, long reductions: split the reduced rows between threads
  std::vector<double> partial(static_cast<size_t>(T * outer * inner), 0.0);
#pragma omp parallel num_threads(T) if (outer * red * inner >= kParallelMin)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t r0 = red * t / nt, r1 = red * (t + 1) / nt;
    for (int64_t o = 0; o < outer; o++) sum_rows(x + o * red * inner, r0, r1, inner, partial.data() + (t * outer + o) * inner);
  }
  for (int64_t j = 0; j < outer * inner; j++) {
    double sum = 0;
    for (int t = 0; t < T; t++) sum += partial[static_cast<size_t>(t * outer * inner + j)];
    out[j] = static_cast<float>(sum * scale);
  }
}
}  // namespace sal
