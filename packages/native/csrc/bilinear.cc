// Bilinear sampling of an NHWC feature map at grid positions in [-1, 1] (align corners, zero padding: PyTorch's
// grid_sample(mode='bilinear', padding_mode='zeros', align_corners=True)), forward and backward, with the corner
// arithmetic of @sal/layers' host path (bilinear-corners.ts: pixel positions, floors and weights in double, weights
// stored as float) and its order of summation (the per-corner float products summed in double, corner by corner;
// feature gradients added in float, corner-major over the points), so both paths give the same bits.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
namespace {

/** The up-to-four in-bounds corners of one point: flat pixel index within its image, weight and position derivatives. */
struct Corners {
  int64_t pix[4];
  float w[4], dwx[4], dwy[4];
  bool in[4];
};

void corners_of(float gx, float gy, int64_t h, int64_t w, Corners& k) {
  const double sx = (static_cast<double>(w) - 1) / 2, sy = (static_cast<double>(h) - 1) / 2;
  const double px = (static_cast<double>(gx) + 1) * sx, py = (static_cast<double>(gy) + 1) * sy;
  for (int q = 0; q < 4; q++) k.in[q] = false;
  if (!std::isfinite(px) || !std::isfinite(py)) return;
  const double x0 = std::floor(px), y0 = std::floor(py);
  const double fx = px - x0, fy = py - y0;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++) {
      const double xi = x0 + dx, yi = y0 + dy;
      if (xi < 0 || xi > static_cast<double>(w - 1) || yi < 0 || yi > static_cast<double>(h - 1)) continue;
      const int q = 2 * dy + dx;
      const double wx = dx == 0 ? 1 - fx : fx, wy = dy == 0 ? 1 - fy : fy;
      k.in[q] = true;
      k.pix[q] = static_cast<int64_t>(yi) * w + static_cast<int64_t>(xi);
      k.w[q] = static_cast<float>(wx * wy);
      k.dwx[q] = static_cast<float>((dx == 0 ? -1.0 : 1.0) * wy * sx);
      k.dwy[q] = static_cast<float>((dy == 0 ? -1.0 : 1.0) * wx * sy);
    }
}

/**
 * d[0:c] += dy[0:c]·w with the product rounded to float before the add, as the host path's separate multiply and
 * ScatterNd do (the build's -ffp-contract=fast would fuse them into one multiply-add here, and the bits would differ).
 */
__attribute__((optimize("fp-contract=off"))) void add_scaled(float* d, const float* dy, float w, int64_t c) {
  for (int64_t ch = 0; ch < c; ch++) d[ch] += dy[ch] * w;
}

/** Grid values of point p of image bi: a shared grid `[n,2]` serves every image. */
inline const float* grid_at(const float* grid, bool shared, int64_t bi, int64_t n, int64_t p) { return grid + 2 * ((shared ? 0 : bi * n) + p); }

}  // namespace

void bilinear_sample(const float* f, const float* grid, float* out, int64_t b, int64_t h, int64_t w, int64_t c, int64_t n, bool shared) {
  const int64_t m = b * n;
#pragma omp parallel if (m * c * 4 >= kParallelMin)
  {
    std::vector<double> acc(static_cast<size_t>(c));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < m; i++) {
      const int64_t bi = i / n, p = i % n;
      const float* g = grid_at(grid, shared, bi, n, p);
      Corners k;
      corners_of(g[0], g[1], h, w, k);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int q = 0; q < 4; q++) {
        if (!k.in[q]) continue;
        const float* v = f + (bi * h * w + k.pix[q]) * c;
        for (int64_t ch = 0; ch < c; ch++) acc[static_cast<size_t>(ch)] += static_cast<double>(v[ch] * k.w[q]);
      }
      float* o = out + i * c;
      for (int64_t ch = 0; ch < c; ch++) o[ch] = static_cast<float>(acc[static_cast<size_t>(ch)]);
    }
  }
}

void bilinear_sample_grad(const float* dy, const float* f, const float* grid, float* dfeat, float* dgrid, int64_t b, int64_t h, int64_t w,
                          int64_t c, int64_t n, bool shared) {
  const int64_t m = b * n, hw = h * w;
  // the feature gradient, image by image (a point only reaches its own image: no two threads write one pixel), each
  // corner's contributions over the image's points in turn
#pragma omp parallel for schedule(static) if (b * hw * c >= kParallelMin)
  for (int64_t bi = 0; bi < b; bi++) {
    float* d = dfeat + bi * hw * c;
    std::memset(d, 0, static_cast<size_t>(hw * c) * sizeof(float));
    for (int q = 0; q < 4; q++)
      for (int64_t p = 0; p < n; p++) {
        const float* g = grid_at(grid, shared, bi, n, p);
        Corners k;
        corners_of(g[0], g[1], h, w, k);
        if (!k.in[q]) continue;
        add_scaled(d + k.pix[q] * c, dy + (bi * n + p) * c, k.w[q], c);
      }
  }
  // the position gradient: Σ_corner ∂weight/∂position · ⟨dy, value at corner⟩, per point; a shared grid sums it over
  // the batch (in double, image by image)
  std::vector<float> per(static_cast<size_t>(shared ? 2 * m : 0));
  float* pg = shared ? per.data() : dgrid;
#pragma omp parallel for schedule(static) if (m * c * 4 >= kParallelMin)
  for (int64_t i = 0; i < m; i++) {
    const int64_t bi = i / n, p = i % n;
    const float* g = grid_at(grid, shared, bi, n, p);
    Corners k;
    corners_of(g[0], g[1], h, w, k);
    const float* gy = dy + i * c;
    double sx = 0, sy = 0;
    for (int q = 0; q < 4; q++) {
      if (!k.in[q]) continue;
      const float* v = f + (bi * hw + k.pix[q]) * c;
      double dot = 0;
      for (int64_t ch = 0; ch < c; ch++) dot += static_cast<double>(v[ch] * gy[ch]);
      const float d = static_cast<float>(dot);
      sx += static_cast<double>(d * k.dwx[q]);
      sy += static_cast<double>(d * k.dwy[q]);
    }
    pg[2 * i] = static_cast<float>(sx);
    pg[2 * i + 1] = static_cast<float>(sy);
  }
  if (shared)
    for (int64_t j = 0; j < 2 * n; j++) {
      double s = 0;
      for (int64_t bi = 0; bi < b; bi++) s += static_cast<double>(per[static_cast<size_t>(bi * 2 * n + j)]);
      dgrid[j] = static_cast<float>(s);
    }
}
}  // namespace sal
