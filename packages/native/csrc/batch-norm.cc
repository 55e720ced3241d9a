// Training-mode batch-norm (+ ELU) over the rows of [n, c] (see kernels.h for the contracts): two passes each way,
// channel sums in double.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
// ---------------------------------------------------------------------------------------------------------
// Training-mode batch-norm (+ ELU), two passes each way

namespace {
/**
 * Per-channel sums s1[j] = Σ_r u(r, j), s2[j] = Σ_r v(r, j) over n rows of c channels, in double, rows split
 * between threads (float partials over 64 rows). `vec(r, j)` gives (u, v) for channels [j, j+VL) as vectors,
 * `one(r, j)` for a single channel.
 */
template <class Vec, class One>
void channel_pair_sums(int64_t n, int64_t c, Vec vec, One one, double* s1, double* s2) {
  const int T = omp_get_max_threads();
  std::vector<double> part(static_cast<size_t>(T * 2 * c), 0.0);
#pragma omp parallel num_threads(T) if (n * c >= kParallelMin)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t r0 = n * t / nt, r1 = n * (t + 1) / nt;
    double* p1 = part.data() + static_cast<int64_t>(t) * 2 * c;
    double* p2 = p1 + c;
    std::vector<float> b1(static_cast<size_t>(c)), b2(static_cast<size_t>(c));
    for (int64_t q0 = r0; q0 < r1; q0 += 64) {
      const int64_t q1 = std::min(r1, q0 + 64);
      std::fill(b1.begin(), b1.end(), 0.f);
      std::fill(b2.begin(), b2.end(), 0.f);
      for (int64_t r = q0; r < q1; r++) {
        int64_t j = 0;
        for (; j + VL <= c; j += VL) {
          const auto uv = vec(r, j);
          storeu(b1.data() + j, loadu(b1.data() + j) + uv.first);
          storeu(b2.data() + j, loadu(b2.data() + j) + uv.second);
        }
        for (; j < c; j++) {
          const auto uv = one(r, j);
          b1[j] += uv.first;
          b2[j] += uv.second;
        }
      }
      for (int64_t j = 0; j < c; j++) { p1[j] += b1[j]; p2[j] += b2[j]; }
    }
  }
  for (int64_t j = 0; j < c; j++) {
    s1[j] = 0; s2[j] = 0;
    for (int t = 0; t < T; t++) { s1[j] += part[static_cast<size_t>(t * 2 * c + j)]; s2[j] += part[static_cast<size_t>(t * 2 * c + c + j)]; }
  }
}
}  // namespace

void bn_train_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* var, int64_t n, int64_t c,
                      float eps, int act) {
  // moments about the first row (robust when |mean| ≫ std)
  std::vector<float> shift(x, x + c);
  std::vector<double> s1(static_cast<size_t>(c)), s2(static_cast<size_t>(c));
  const float* sh = shift.data();
  channel_pair_sums(
      n, c,
      [&](int64_t r, int64_t j) { const vf d = loadu(x + r * c + j) - loadu(sh + j); return std::make_pair(d, d * d); },
      [&](int64_t r, int64_t j) { const float d = x[r * c + j] - sh[j]; return std::make_pair(d, d * d); }, s1.data(), s2.data());
  // y = act(((x − shift) − m1)·scale + β): x − shift is exact (both near the mean), m1 is small, so no
  // cancellation against a large folded offset
  std::vector<float> scale(static_cast<size_t>(c)), m1f(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; j++) {
    const double m1 = s1[j] / n;
    const double v = std::max(0.0, s2[j] / n - m1 * m1);
    mean[j] = static_cast<float>(shift[j] + m1);
    var[j] = static_cast<float>(v);
    scale[j] = static_cast<float>(gamma[j] / std::sqrt(v + eps));
    m1f[j] = static_cast<float>(m1);
  }
#pragma omp parallel for schedule(static) if (n * c >= kParallelMin)
  for (int64_t q0 = 0; q0 < n; q0 += 256) {
    const int64_t q1 = std::min(n, q0 + 256);
    for (int64_t r = q0; r < q1; r++) {
      const float* xr = x + r * c;
      float* o = y + r * c;
      int64_t j = 0;
      for (; j + VL <= c; j += VL) {
        const vf d = (loadu(xr + j) - loadu(shift.data() + j)) - loadu(m1f.data() + j);
        storeu(o + j, activate_v(d * loadu(scale.data() + j) + loadu(beta + j), act, 0.f));
      }
      for (; j < c; j++) o[j] = activate(((xr[j] - shift[j]) - m1f[j]) * scale[j] + beta[j], act, 0.f);
    }
  }
}

void bn_train_backward(const float* dy, const float* x, const float* y, const float* gamma, const float* mean, const float* var, float* dx,
                       float* dgamma, float* dbeta, int64_t n, int64_t c, float eps, int act) {
  const bool elu = act == kElu;
  // pass 1: Σa and Σa·(x − μ), a = dL/d(pre-activation)
  std::vector<double> sumA(static_cast<size_t>(c)), sumAD(static_cast<size_t>(c));
  channel_pair_sums(
      n, c,
      [&](int64_t r, int64_t j) {
        vf a = loadu(dy + r * c + j);
        if (elu) { const vf yv = loadu(y + r * c + j); a = yv < 0.f ? a * (yv + 1.f) : a; }
        return std::make_pair(a, a * (loadu(x + r * c + j) - loadu(mean + j)));
      },
      [&](int64_t r, int64_t j) {
        const int64_t i = r * c + j;
        const float a = elu && y[i] < 0.f ? dy[i] * (y[i] + 1.f) : dy[i];
        return std::make_pair(a, a * (x[i] - mean[j]));
      },
      sumA.data(), sumAD.data());
  // dx = a·k1 + (x − μ)·k2 + k3 with k1 = γr, k2 = −γr³·Σa(x−μ)/n, k3 = −γr·Σa/n
  std::vector<float> k1(static_cast<size_t>(c)), k2(static_cast<size_t>(c)), k3(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; j++) {
    const double sa = sumA[static_cast<size_t>(j)], sad = sumAD[static_cast<size_t>(j)];
    const double r = 1.0 / std::sqrt(static_cast<double>(var[j]) + eps);
    dbeta[j] = static_cast<float>(sa);
    dgamma[j] = static_cast<float>(r * sad);
    k1[j] = static_cast<float>(gamma[j] * r);
    k2[j] = static_cast<float>(-gamma[j] * r * r * r * sad / n);
    k3[j] = static_cast<float>(-gamma[j] * r * sa / n);
  }
  // pass 2
#pragma omp parallel for schedule(static) if (n * c >= kParallelMin)
  for (int64_t q0 = 0; q0 < n; q0 += 256) {
    const int64_t q1 = std::min(n, q0 + 256);
    for (int64_t r = q0; r < q1; r++) {
      const float *dr = dy + r * c, *xr = x + r * c, *yr = y + r * c;
      float* o = dx + r * c;
      int64_t j = 0;
      for (; j + VL <= c; j += VL) {
        vf a = loadu(dr + j);
        if (elu) { const vf yv = loadu(yr + j); a = yv < 0.f ? a * (yv + 1.f) : a; }
        storeu(o + j, a * loadu(k1.data() + j) + (loadu(xr + j) - loadu(mean + j)) * loadu(k2.data() + j) + loadu(k3.data() + j));
      }
      for (; j < c; j++) {
        const float a = elu && yr[j] < 0.f ? dr[j] * (yr[j] + 1.f) : dr[j];
        o[j] = a * k1[j] + (xr[j] - mean[j]) * k2[j] + k3[j];
      }
    }
  }
}
}  // namespace sal
