// Depthwise 2-D convolution with channel multiplier 1 (forward, input gradient, filter gradient), NHWC input
// `[n,h,w,c]`, filter `[kh,kw,c]` (tfjs's `[kh,kw,c,1]`), output `[n,ho,wo,c]`; the geometry is a ConvGeom with
// ci = co = c. Vectorised over channels (VL at a time, a scalar loop for the rest), threads over output rows.
// Stride-1 columns with an odd kernel width of 3–15 (the usual case) run on zero-padded windows of input rows with
// sliding register tiles (each input vector loaded once for the taps that read it). Anything else runs row by row:
// the pixels whose taps all fall inside the input in a register tile of kTile outputs, the border pixels checked per
// tap. Also the fused depth-separable block (1×1 → depthwise → 1×1 + bias + activation) with the intermediate maps kept
// in a ring of window rows.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
namespace {

constexpr int kTile = 8;  // outputs per register tile of the row-by-row forward pass (strides, dilations, other widths)
// outputs (forward) or dy vectors (filter gradient) per sliding register tile. Measured on workload G's 9×9 layers
// (AMD EPYC, 2 threads): 8 beats 16 with AVX-512 (forward 12.5 against 14.9 ms, filter gradient 8.0 against 9.1) and 4
// with AVX2 (forward 13.5 against 17.6 ms), though AVX2's 16 registers then spill
constexpr int kSlide = 8;

/** The output columns [lo, hi) of a row whose taps x = ox·sw − pl + kx·dw all lie in [0, w). */
void interior_cols(const ConvGeom& g, int64_t& lo, int64_t& hi) {
  lo = (g.pl + g.sw - 1) / g.sw;  // ox·sw ≥ pl
  const int64_t last = g.w - 1 + g.pl - (g.kw - 1) * g.dw;  // ox·sw ≤ last
  hi = last < 0 ? 0 : last / g.sw + 1;
  if (hi > g.wo) hi = g.wo;
  if (lo > hi) lo = hi;
}

/**
 * One register tile of kSlide outputs (one channel vector) for a kernel K wide, stride and dilation 1: each input
 * vector of a filter row is loaded once and feeds the (up to K) outputs that read it; the K filter vectors of the
 * row stay in registers. kSlide + K − 1 loads for kSlide·K multiply-adds, instead of one load each.
 */
template <int K>
void tile_sliding(const float* const* xr, const float* const* fr, int64_t nky, int64_t c, vf* out) {
  // sums in locals: through `out` every FMA would be stored back (the may_alias loads could alias it)
  vf acc[kSlide];
  for (int t = 0; t < kSlide; t++) acc[t] = out[t];
  for (int64_t i = 0; i < nky; i++) {
    vf fw[K];
#pragma GCC unroll 16
    for (int kx = 0; kx < K; kx++) fw[kx] = loadu(fr[i] + kx * c);
    const float* xp = xr[i];
#pragma GCC unroll 32
    for (int j = 0; j < kSlide + K - 1; j++) {
      const vf xv = loadu(xp + j * c);
#pragma GCC unroll 16
      for (int kx = 0; kx < K; kx++) {
        const int t = j - kx;
        if (t >= 0 && t < kSlide) acc[t] += xv * fw[kx];
      }
    }
  }
  for (int t = 0; t < kSlide; t++) out[t] = acc[t];
}

typedef void (*SlidingFn)(const float* const*, const float* const*, int64_t, int64_t, vf*);
/** The sliding tile for kernel width kw (odd, 3–15), or null. */
SlidingFn sliding_for(int64_t kw) {
  switch (kw) {
    case 3: return &tile_sliding<3>;
    case 5: return &tile_sliding<5>;
    case 7: return &tile_sliding<7>;
    case 9: return &tile_sliding<9>;
    case 11: return &tile_sliding<11>;
    case 13: return &tile_sliding<13>;
    case 15: return &tile_sliding<15>;
    default: return nullptr;
  }
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

/**
 * The filter gradient of one window row against one dy row (one channel vector), kernel K wide, stride and
 * dilation 1: a tile of kSlide dy vectors stays in registers and each window vector is loaded once for the (up to K)
 * taps it meets; the K sums stay in registers across the row and are added to dfr `[K]` (stride c) at the end.
 */
template <int K>
void filter_row_sliding(const float* xr, const float* dr, int64_t wo, int64_t c, float* dfr) {
  vf acc[K];
  for (int kx = 0; kx < K; kx++) acc[kx] = vf{};
  for (int64_t ox0 = 0; ox0 < wo; ox0 += kSlide) {
    const int64_t nt = std::min<int64_t>(kSlide, wo - ox0);
    vf dv[kSlide];
    for (int t = 0; t < kSlide; t++) dv[t] = t < nt ? loadu(dr + (ox0 + t) * c) : vf{};
    const float* xp = xr + ox0 * c;
#pragma GCC unroll 32
    for (int j = 0; j < kSlide + K - 1; j++) {
      const vf xv = loadu(xp + j * c);
#pragma GCC unroll 16
      for (int kx = 0; kx < K; kx++) {
        const int t = j - kx;
        if (t >= 0 && t < kSlide) acc[kx] += xv * dv[t];
      }
    }
  }
  for (int kx = 0; kx < K; kx++) storeu(dfr + kx * c, loadu(dfr + kx * c) + acc[kx]);
}

typedef void (*FilterSlidingFn)(const float*, const float*, int64_t, int64_t, float*);
FilterSlidingFn filter_sliding_for(int64_t kw) {
  switch (kw) {
    case 3: return &filter_row_sliding<3>;
    case 5: return &filter_row_sliding<5>;
    case 7: return &filter_row_sliding<7>;
    case 9: return &filter_row_sliding<9>;
    case 11: return &filter_row_sliding<11>;
    case 13: return &filter_row_sliding<13>;
    case 15: return &filter_row_sliding<15>;
    default: return nullptr;
  }
}

constexpr int64_t kBlockRows = 16;  // output rows per task of the windowed forward pass

/**
 * The forward pass for stride-1 columns and undilated rows of a kernel width with a sliding tile: per task (image,
 * kBlockRows output rows) the input rows it reads are copied once into a zero-padded window (width: whole tiles +
 * kw − 1), so every output pixel, border or not, runs the register tile (no per-tap checks); window rows outside
 * the image are skipped rather than multiplied by zeros.
 */
void forward_windowed(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha, SlidingFn sliding) {
  const int64_t c = g.ci;
  const int64_t ntile = (g.wo + kSlide - 1) / kSlide;
  const int64_t pw = ntile * kSlide + g.kw - 1;  // window column j holds input column j − pl
  const int64_t rowlen = pw * c;
  const int64_t blocks = (g.ho + kBlockRows - 1) / kBlockRows;
  const int64_t span = (kBlockRows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const int64_t tasks = g.n * blocks;
  const int64_t work = g.n * g.ho * g.wo * c * g.kh * g.kw;
#pragma omp parallel if (work >= kParallelWork)
  {
    std::vector<float> win_store(static_cast<size_t>(span * rowlen + 16));
    float* const win = align64(win_store.data());
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t b = task / blocks, oy0 = (task % blocks) * kBlockRows;
      const int64_t nrows = std::min<int64_t>(kBlockRows, g.ho - oy0);
      const int64_t y0 = oy0 * g.sh - g.pt;
      const int64_t used = (nrows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
      fill_window(x, g, b, y0, 1, used, pw, win);
      for (int64_t q = 0; q < nrows; q++) {
        const int64_t oy = oy0 + q;
        int64_t kys[64], nky = 0;
        for (int64_t ky = 0; ky < g.kh; ky++) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy >= 0 && iy < g.h) kys[nky++] = ky;
        }
        float* orow = out + ((b * g.ho + oy) * g.wo) * c;
        for (int64_t t0 = 0; t0 < ntile; t0++) {
          const int64_t ox0 = t0 * kSlide, nt = std::min<int64_t>(kSlide, g.wo - ox0);
          int64_t ch = 0;
          for (; ch + VL <= c; ch += VL) {
            vf acc[kSlide];
            const vf b0 = bias ? loadu(bias + ch) : vf{};
            for (int t = 0; t < kSlide; t++) acc[t] = b0;
            const float* xr[64];
            const float* fr[64];
            for (int64_t i = 0; i < nky; i++) {
              xr[i] = win + (q * g.sh + kys[i] * g.dh) * rowlen + ox0 * c + ch;
              fr[i] = f + kys[i] * g.kw * c + ch;
            }
            sliding(xr, fr, nky, c, acc);
            for (int64_t t = 0; t < nt; t++) storeu(orow + (ox0 + t) * c + ch, activate_v(acc[t], act, alpha));
          }
          for (; ch < c; ch++)
            for (int64_t t = 0; t < nt; t++) {
              float acc = bias ? bias[ch] : 0.f;
              for (int64_t i = 0; i < nky; i++) {
                const float* xr = win + (q * g.sh + kys[i] * g.dh) * rowlen + (ox0 + t) * c + ch;
                const float* fr = f + kys[i] * g.kw * c + ch;
                for (int64_t kx = 0; kx < g.kw; kx++) acc += xr[kx * c] * fr[kx * c];
              }
              orow[(ox0 + t) * c + ch] = activate(acc, act, alpha);
            }
        }
      }
    }
  }
}

/** The filter gradient over zero-padded windows (stride-1 columns, kw with a sliding row), into df `[kh,kw,c]`. */
void filter_windowed(const float* x, const float* dy, float* df, const ConvGeom& g, FilterSlidingFn rowfn) {
  const int64_t c = g.ci, kk = g.kh * g.kw * c;
  const int64_t ntile = (g.wo + kSlide - 1) / kSlide;
  const int64_t pw = ntile * kSlide + g.kw - 1;
  const int64_t rowlen = pw * c;
  const int64_t blocks = (g.ho + kBlockRows - 1) / kBlockRows;
  const int64_t span = (kBlockRows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const int64_t tasks = g.n * blocks;
  const int64_t work = g.n * g.ho * g.wo * c * g.kh * g.kw;
  const int T = work >= kParallelWork ? std::max(1, static_cast<int>(std::min<int64_t>(max_threads(), tasks))) : 1;
  std::vector<float> part(static_cast<size_t>(T * kk), 0.f);
#pragma omp parallel num_threads(T) if (T > 1)
  {
    float* mine = part.data() + static_cast<int64_t>(omp_get_thread_num()) * kk;
    std::vector<float> win_store(static_cast<size_t>(span * rowlen + 16));
    float* const win = align64(win_store.data());
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t b = task / blocks, oy0 = (task % blocks) * kBlockRows;
      const int64_t nrows = std::min<int64_t>(kBlockRows, g.ho - oy0);
      const int64_t y0 = oy0 * g.sh - g.pt;
      fill_window(x, g, b, y0, 1, (nrows - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win);
      for (int64_t q = 0; q < nrows; q++) {
        const int64_t oy = oy0 + q;
        const float* drow = dy + ((b * g.ho + oy) * g.wo) * c;
        for (int64_t ky = 0; ky < g.kh; ky++) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const float* xr = win + (q * g.sh + ky * g.dh) * rowlen;
          float* dfr = mine + ky * g.kw * c;
          int64_t ch = 0;
          for (; ch + VL <= c; ch += VL) rowfn(xr + ch, drow + ch, g.wo, c, dfr + ch);
          for (; ch < c; ch++)
            for (int64_t ox = 0; ox < g.wo; ox++) {
              const float d = drow[ox * c + ch];
              for (int64_t kx = 0; kx < g.kw; kx++) dfr[kx * c + ch] += xr[(ox + kx) * c + ch] * d;
            }
        }
      }
    }
  }
  for (int64_t i = 0; i < kk; i++) {
    float s = 0.f;
    for (int t = 0; t < T; t++) s += part[static_cast<size_t>(t * kk + i)];
    df[i] = s;
  }
}

/**
 * R pixels × V vectors of a row product: out[t, j…] = act(Σ_i in[t·ldi + i]·W[i·co + j…] + bias[j…]) for t < R,
 * the V·VL columns from j; W `[cin, co]`. R·V sums in registers, each W vector loaded once for the R pixels.
 */
template <int R, int V>
inline void row_product_tile(const float* in, int64_t ldi, int64_t cin, const float* W, int64_t co, int64_t j, const float* bias, float* out,
                             int64_t ldo, int act, float alpha) {
  vf acc[R][V];
  for (int v = 0; v < V; v++) {
    const vf b = bias ? loadu(bias + j + v * VL) : vf{};
    for (int t = 0; t < R; t++) acc[t][v] = b;
  }
  for (int64_t i = 0; i < cin; i++) {
    vf w[V];
    for (int v = 0; v < V; v++) w[v] = loadu(W + i * co + j + v * VL);
    for (int t = 0; t < R; t++) {
      const vf s = splat(in[t * ldi + i]);
      for (int v = 0; v < V; v++) acc[t][v] += s * w[v];
    }
  }
  for (int t = 0; t < R; t++)
    for (int v = 0; v < V; v++) storeu(out + t * ldo + j + v * VL, activate_v(acc[t][v], act, alpha));
}

/** out `[np, co]` (row stride ldo) = act(in `[np, cin]` · W `[cin, co]` + bias); co a multiple of VL. */
void row_product(const float* in, int64_t np, int64_t cin, const float* W, int64_t co, const float* bias, float* out, int64_t ldo, int act,
                 float alpha) {
  constexpr int R = 6;
  int64_t j = 0;
  for (; j + 2 * VL <= co; j += 2 * VL) {
    int64_t p = 0;
    for (; p + R <= np; p += R) row_product_tile<R, 2>(in + p * cin, cin, cin, W, co, j, bias, out + p * ldo, ldo, act, alpha);
    for (; p < np; p++) row_product_tile<1, 2>(in + p * cin, cin, cin, W, co, j, bias, out + p * ldo, ldo, act, alpha);
  }
  if (j < co) {
    int64_t p = 0;
    for (; p + R <= np; p += R) row_product_tile<R, 1>(in + p * cin, cin, cin, W, co, j, bias, out + p * ldo, ldo, act, alpha);
    for (; p < np; p++) row_product_tile<1, 1>(in + p * cin, cin, cin, W, co, j, bias, out + p * ldo, ldo, act, alpha);
  }
}

/**
 * The fused block when its channel counts are whole vectors and k has a sliding tile. Per task (image, block of
 * output rows) a ring of k window rows holds the first 1×1's output for the input rows the current output row reads
 * (each computed once per task, zero-padded columns), the depthwise row goes to a row buffer, and the second 1×1
 * writes the output row from it: x is read once and out written once, the intermediate maps never leave the cache.
 */
void separable_windowed(const float* x, const float* w1, const float* dwf, const float* w2, const float* bias, float* out, const SeparableGeom& s,
                        int act, float alpha, SlidingFn sliding) {
  const int64_t k = s.k, c1 = s.c1, pad = s.pad;
  const int64_t ntile = (s.wo + kSlide - 1) / kSlide;
  const int64_t pw = ntile * kSlide + k - 1;  // window column j holds input column j − pad
  const int64_t rowlen = pw * c1;
  // blocks of output rows per image: enough tasks for every thread (each block recomputes k − 1 window rows)
  const int64_t T = omp_get_max_threads();
  const int64_t per = std::max<int64_t>(1, std::min<int64_t>((s.ho + 15) / 16, (2 * T + s.n - 1) / std::max<int64_t>(s.n, 1)));
  const int64_t brows = (s.ho + per - 1) / per;
  const int64_t tasks = s.n * per;
  const int64_t work = s.n * s.ho * s.wo * c1 * (k * k + s.ci + s.co);
#pragma omp parallel if (work >= kParallelWork)
  {
    // 64-byte aligned (whole cache lines: rows are whole vectors, so no load splits across two lines)
    std::vector<float> ring_store(static_cast<size_t>(k * rowlen + 16)), brow_store(static_cast<size_t>(ntile * kSlide * c1 + 16));
    float* const ringp = align64(ring_store.data());
    float* const browp = align64(brow_store.data());
    std::vector<int64_t> held(static_cast<size_t>(k));
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t b = task / per, oy0 = (task % per) * brows, oy1 = std::min(s.ho, oy0 + brows);
      if (oy0 >= oy1) continue;
      std::fill(ringp, ringp + k * rowlen, 0.f);
      std::fill(held.begin(), held.end(), -1);
      for (int64_t oy = oy0; oy < oy1; oy++) {
        int64_t nky = 0;
        const float* xr[64];
        const float* fr[64];
        for (int64_t ky = 0; ky < k; ky++) {
          const int64_t iy = oy - pad + ky;
          if (iy < 0 || iy >= s.h) continue;
          float* row = ringp + (iy % k) * rowlen;
          if (held[static_cast<size_t>(iy % k)] != iy) {
            row_product(x + (b * s.h + iy) * s.w * s.ci, s.w, s.ci, w1, c1, nullptr, row + pad * c1, c1, kLinear, 0.f);
            held[static_cast<size_t>(iy % k)] = iy;
          }
          xr[nky] = row;
          fr[nky++] = dwf + ky * k * c1;
        }
        for (int64_t t0 = 0; t0 < ntile; t0++) {
          const int64_t ox0 = t0 * kSlide;
          for (int64_t ch = 0; ch < c1; ch += VL) {
            vf acc[kSlide];
            for (int t = 0; t < kSlide; t++) acc[t] = vf{};
            const float* xs[64];
            const float* fs[64];
            for (int64_t i = 0; i < nky; i++) {
              xs[i] = xr[i] + ox0 * c1 + ch;
              fs[i] = fr[i] + ch;
            }
            sliding(xs, fs, nky, c1, acc);
            for (int t = 0; t < kSlide; t++) storeu(browp + (ox0 + t) * c1 + ch, acc[t]);
          }
        }
        row_product(browp, s.wo, c1, w2, s.co, bias, out + (b * s.ho + oy) * s.wo * s.co, s.co, act, alpha);
      }
    }
  }
}
}  // namespace

bool separable_forward(const float* x, const float* w1, const float* dwf, const float* w2, const float* bias, float* out, const SeparableGeom& s,
                       int act, float alpha) {
  if (s.k > 64 || s.ho != s.h + 2 * s.pad - s.k + 1 || s.wo != s.w + 2 * s.pad - s.k + 1) return false;
  const SlidingFn sliding = sliding_for(s.k);
  if (sliding && s.c1 % VL == 0 && s.co % VL == 0 && s.pad <= s.k - 1) {
    separable_windowed(x, w1, dwf, w2, bias, out, s, act, alpha, sliding);
    return true;
  }
  // any other shape: the three kernels one after another, through two intermediate maps
  std::vector<float> a(static_cast<size_t>(s.n * s.h * s.w * s.c1)), d(static_cast<size_t>(s.n * s.ho * s.wo * s.c1));
  conv2d_forward(x, w1, nullptr, a.data(), ConvGeom{s.n, s.h, s.w, s.ci, 1, 1, s.c1, 1, 1, 1, 1, 0, 0, s.h, s.w}, kLinear, 0.f);
  if (!depthwise_forward(a.data(), dwf, nullptr, d.data(), ConvGeom{s.n, s.h, s.w, s.c1, s.k, s.k, s.c1, 1, 1, 1, 1, s.pad, s.pad, s.ho, s.wo},
                         kLinear, 0.f))
    return false;
  conv2d_forward(d.data(), w2, bias, out, ConvGeom{s.n, s.ho, s.wo, s.c1, 1, 1, s.co, 1, 1, 1, 1, 0, 0, s.ho, s.wo}, act, alpha);
  return true;
}


bool depthwise_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha) {
  if (g.ci != g.co || g.kh > 64) return false;
  const SlidingFn sliding = g.sw == 1 && g.dw == 1 ? sliding_for(g.kw) : nullptr;
  if (sliding) {
    forward_windowed(x, f, bias, out, g, act, alpha, sliding);
    return true;
  }
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
  const FilterSlidingFn rowfn = g.sw == 1 && g.dw == 1 ? filter_sliding_for(g.kw) : nullptr;
  if (rowfn) {
    filter_windowed(x, dy, df, g, rowfn);
    return true;
  }
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
