// Depthwise 2-D convolution with channel multiplier 1 (forward, input gradient, filter gradient), NHWC input
// `[n,h,w,c]`, filter `[kh,kw,c]` (tfjs's `[kh,kw,c,1]`), output `[n,ho,wo,c]`; the geometry is a ConvGeom with
// ci = co = c. Vectorised over channels (VL at a time, a scalar loop for the rest), threads over output rows.
// Every output row is split into the pixels whose taps all fall inside the input (no bounds checks, a register tile
// of kTile outputs that shares each filter vector) and the border pixels (checked per tap).
#include <omp.h>

#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
namespace {

constexpr int kTile = 8;  // outputs per register tile of the forward pass

/** The output columns [lo, hi) of a row whose taps x = ox·sw − pl + kx·dw all lie in [0, w). */
void interior_cols(const ConvGeom& g, int64_t& lo, int64_t& hi) {
  lo = (g.pl + g.sw - 1) / g.sw;  // ox·sw ≥ pl
  const int64_t last = g.w - 1 + g.pl - (g.kw - 1) * g.dw;  // ox·sw ≤ last
  hi = last < 0 ? 0 : last / g.sw + 1;
  if (hi > g.wo) hi = g.wo;
  if (lo > hi) lo = hi;
}

/** One output row (image b, row oy) of the forward pass. */
void forward_row(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int64_t b, int64_t oy, int act,
                 float alpha, int64_t lo, int64_t hi) {
  const int64_t c = g.ci;
  int64_t kys[64], nky = 0;  // the filter rows whose input row exists (kh ≤ 64 is checked by the caller)
  for (int64_t ky = 0; ky < g.kh; ky++) {
    const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
    if (iy >= 0 && iy < g.h) kys[nky++] = ky;
  }
  const auto xrow = [&](int64_t ky) { return x + ((b * g.h + oy * g.sh - g.pt + ky * g.dh) * g.w) * c; };
  float* orow = out + ((b * g.ho + oy) * g.wo) * c;
  // one output pixel with per-tap checks (border pixels and the interior's remainder)
  const auto pixel = [&](int64_t ox) {
    int64_t ch = 0;
    for (; ch + VL <= c; ch += VL) {
      vf acc = bias ? loadu(bias + ch) : vf{};
      for (int64_t i = 0; i < nky; i++) {
        const int64_t ky = kys[i];
        const float* xr = xrow(ky);
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          acc += loadu(xr + ix * c + ch) * loadu(f + (ky * g.kw + kx) * c + ch);
        }
      }
      storeu(orow + ox * c + ch, activate_v(acc, act, alpha));
    }
    for (; ch < c; ch++) {
      float acc = bias ? bias[ch] : 0.f;
      for (int64_t i = 0; i < nky; i++) {
        const int64_t ky = kys[i];
        const float* xr = xrow(ky);
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix >= 0 && ix < g.w) acc += xr[ix * c + ch] * f[(ky * g.kw + kx) * c + ch];
        }
      }
      orow[ox * c + ch] = activate(acc, act, alpha);
    }
  };
  for (int64_t ox = 0; ox < lo; ox++) pixel(ox);
  int64_t ox = lo;
  const int64_t step = g.sw * c;
  for (; ox + kTile <= hi; ox += kTile) {
    int64_t ch = 0;
    for (; ch + VL <= c; ch += VL) {
      vf acc[kTile];
      const vf b0 = bias ? loadu(bias + ch) : vf{};
      for (int t = 0; t < kTile; t++) acc[t] = b0;
      for (int64_t i = 0; i < nky; i++) {
        const int64_t ky = kys[i];
        const float* xp = xrow(ky) + (ox * g.sw - g.pl) * c + ch;
        const float* fp = f + ky * g.kw * c + ch;
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const vf fv = loadu(fp + kx * c);
          const float* xq = xp + kx * g.dw * c;
          for (int t = 0; t < kTile; t++) acc[t] += loadu(xq + t * step) * fv;
        }
      }
      for (int t = 0; t < kTile; t++) storeu(orow + (ox + t) * c + ch, activate_v(acc[t], act, alpha));
    }
    if (ch < c)
      for (int t = 0; t < kTile; t++)
        for (int64_t cc = ch; cc < c; cc++) {
          float acc = bias ? bias[cc] : 0.f;
          for (int64_t i = 0; i < nky; i++) {
            const int64_t ky = kys[i];
            const float* xr = xrow(ky);
            for (int64_t kx = 0; kx < g.kw; kx++) acc += xr[((ox + t) * g.sw - g.pl + kx * g.dw) * c + cc] * f[(ky * g.kw + kx) * c + cc];
          }
          orow[(ox + t) * c + cc] = activate(acc, act, alpha);
        }
  }
  for (; ox < g.wo; ox++) pixel(ox);
}

/** Σ over one output row of x-tap × dy for every filter tap, added to df `[kh,kw,c]` (a thread's own copy). */
void filter_row(const float* x, const float* dy, float* df, const ConvGeom& g, int64_t b, int64_t oy, int64_t lo, int64_t hi) {
  const int64_t c = g.ci;
  const float* drow = dy + ((b * g.ho + oy) * g.wo) * c;
  for (int64_t ky = 0; ky < g.kh; ky++) {
    const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
    if (iy < 0 || iy >= g.h) continue;
    const float* xr = x + ((b * g.h + iy) * g.w) * c;
    float* dfr = df + ky * g.kw * c;
    int64_t ch = 0;
    for (; ch + VL <= c; ch += VL) {
      // interior columns: every tap valid, one dy load shared by the kw taps (kw ≤ 16 accumulators in registers)
      if (g.kw <= 16 && hi > lo) {
        vf acc[16];
        for (int64_t kx = 0; kx < g.kw; kx++) acc[kx] = vf{};
        for (int64_t ox = lo; ox < hi; ox++) {
          const vf d = loadu(drow + ox * c + ch);
          const float* xp = xr + (ox * g.sw - g.pl) * c + ch;
          for (int64_t kx = 0; kx < g.kw; kx++) acc[kx] += loadu(xp + kx * g.dw * c) * d;
        }
        for (int64_t kx = 0; kx < g.kw; kx++) storeu(dfr + kx * c + ch, loadu(dfr + kx * c + ch) + acc[kx]);
      }
      // the rest (border columns, or every column when kw > 16), checked per tap
      for (int64_t ox = 0; ox < g.wo; ox++) {
        if (g.kw <= 16 && ox >= lo && ox < hi) continue;
        const vf d = loadu(drow + ox * c + ch);
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix >= 0 && ix < g.w) storeu(dfr + kx * c + ch, loadu(dfr + kx * c + ch) + loadu(xr + ix * c + ch) * d);
        }
      }
    }
    for (; ch < c; ch++)
      for (int64_t ox = 0; ox < g.wo; ox++) {
        const float d = drow[ox * c + ch];
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix >= 0 && ix < g.w) dfr[kx * c + ch] += xr[ix * c + ch] * d;
        }
      }
  }
}

}  // namespace

bool depthwise_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha) {
  if (g.ci != g.co || g.kh > 64) return false;
  int64_t lo, hi;
  interior_cols(g, lo, hi);
  const int64_t rows = g.n * g.ho;
  const int64_t work = rows * g.wo * g.co * g.kh * g.kw;
#pragma omp parallel for schedule(static) if (work >= kParallelWork)
  for (int64_t r = 0; r < rows; r++) forward_row(x, f, bias, out, g, r / g.ho, r % g.ho, act, alpha, lo, hi);
  return true;
}

bool depthwise_backprop_input(const float* dy, const float* f, float* dx, const ConvGeom& g) {
  // stride 1: dx[iy,ix] = Σ dy[iy + pt − ky·dh, ix + pl − kx·dw]·f[ky,kx], the forward pass over dy with the
  // filter reversed in both axes and padding (k−1)·d − p
  if (g.ci != g.co || g.sh != 1 || g.sw != 1 || g.kh > 64) return false;
  const int64_t pt = (g.kh - 1) * g.dh - g.pt, pl = (g.kw - 1) * g.dw - g.pl;
  if (pt < 0 || pl < 0) return false;
  const int64_t c = g.ci;
  std::vector<float> rf(static_cast<size_t>(g.kh * g.kw * c));
  for (int64_t ky = 0; ky < g.kh; ky++)
    for (int64_t kx = 0; kx < g.kw; kx++)
      for (int64_t ch = 0; ch < c; ch++) rf[((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * c + ch] = f[(ky * g.kw + kx) * c + ch];
  const ConvGeom t{g.n, g.ho, g.wo, c, g.kh, g.kw, c, 1, 1, g.dh, g.dw, pt, pl, g.h, g.w};
  return depthwise_forward(dy, rf.data(), nullptr, dx, t, kLinear, 0.f);
}

bool depthwise_backprop_filter(const float* x, const float* dy, float* df, const ConvGeom& g) {
  if (g.ci != g.co) return false;
  const int64_t c = g.ci, kk = g.kh * g.kw * c;
  int64_t lo, hi;
  interior_cols(g, lo, hi);
  const int64_t rows = g.n * g.ho;
  const int64_t work = rows * g.wo * c * g.kh * g.kw;
  const int T = work >= kParallelWork ? max_threads() : 1;
  std::vector<float> part(static_cast<size_t>(T * kk), 0.f);
#pragma omp parallel num_threads(T) if (T > 1)
  {
    float* mine = part.data() + static_cast<int64_t>(omp_get_thread_num()) * kk;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++) filter_row(x, dy, mine, g, r / g.ho, r % g.ho, lo, hi);
  }
  for (int64_t i = 0; i < kk; i++) {
    float s = 0.f;
    for (int t = 0; t < T; t++) s += part[static_cast<size_t>(t * kk + i)];
    df[i] = s;
  }
  return true;
}

}  // namespace sal
