// Convolutions (see kernels.h for the contracts), computed directly from a zero-padded window of the input (no
// im2col matrix): a tile of MR output pixels × NR output channels is held in registers while the (ky, kx, ci)
// reduction runs over an offset table; Winograd F(4×4, 3×3) for 3×3 stride-1 layers with many channels. The input
// gradient is a forward convolution with the flipped filter; the filter gradient is the same tile turned around:
// MR (kx, ci) rows × NR output channels, reduced over output pixels (Winograd's transpose under the same condition).
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
// the window rows a few output rows read (kernels.h), built in cache instead of a padded copy of the whole batch
void fill_window(const float* x, const ConvGeom& g, int64_t ni, int64_t y0, int64_t rstep, int64_t nrows, int64_t pw, float* win) {
  const int64_t rowlen = pw * g.ci;
  const int64_t x0 = std::max<int64_t>(0, -g.pl), x1 = std::min<int64_t>(g.w, pw - g.pl);
  for (int64_t r = 0; r < nrows; r++) {
    float* dst = win + r * rowlen;
    const int64_t y = y0 + r * rstep;
    if (y < 0 || y >= g.h || x1 <= x0) {
      std::memset(dst, 0, static_cast<size_t>(rowlen) * sizeof(float));
      continue;
    }
    const int64_t left = (x0 + g.pl) * g.ci, mid = (x1 - x0) * g.ci;
    std::memset(dst, 0, static_cast<size_t>(left) * sizeof(float));
    std::memcpy(dst + left, x + ((ni * g.h + y) * g.w + x0) * g.ci, static_cast<size_t>(mid) * sizeof(float));
    std::memset(dst + left + mid, 0, static_cast<size_t>(rowlen - left - mid) * sizeof(float));
  }
}

namespace {

// ---------------------------------------------------------------------------------------------------------
// Convolution forward

// acc[r] = Σ_k base[r·step + koff[k]] · wp[k][0:NR]
template <int R>
inline void conv_tile(const float* base, int64_t step, const int64_t* koff, int64_t K, const float* wp, float* tile) {
  vf acc0[R], acc1[R];
  for (int r = 0; r < R; r++) { acc0[r] = vf{}; acc1[r] = vf{}; }
  for (int64_t k = 0; k < K; k++) {
    const vf b0 = loadu(wp + k * NR), b1 = loadu(wp + k * NR + VL);
    const float* p = base + koff[k];
    for (int r = 0; r < R; r++) {
      const vf a = splat(p[r * step]);
      acc0[r] += a * b0;
      acc1[r] += a * b1;
    }
  }
  for (int r = 0; r < R; r++) { storeu(tile + r * NR, acc0[r]); storeu(tile + r * NR + VL, acc1[r]); }
}

typedef void (*ConvTileFn)(const float*, int64_t, const int64_t*, int64_t, const float*, float*);

template <int... Rs>
struct ConvTiles { static constexpr ConvTileFn table[sizeof...(Rs)] = {&conv_tile<Rs + 1>...}; };
template <int... Rs>
constexpr ConvTileFn ConvTiles<Rs...>::table[sizeof...(Rs)];

template <int... I>
constexpr const ConvTileFn* conv_table(std::integer_sequence<int, I...>) { return ConvTiles<I...>::table; }
const ConvTileFn* const kConvTile = conv_table(std::make_integer_sequence<int, MR>{});

constexpr int64_t kRowBlock = 8;  // output rows per convolution task

/**
 * Winograd F(4×4, 3×3) for 3×3 convolutions with at least kWinogradMinChannels channels in and out, unless
 * SAL_NATIVE_WINOGRAD=0 (for comparisons). Measured (bench/native-kernels.mjs, 2 threads, AVX-512): 3×3 32→32 on
 * [16,32,32,32] forward + bias + ELU 1.01 → 0.75 ms, its input gradient 0.86 → 0.61 ms, against the direct kernel;
 * 64→64 on [8,32,32,64] 1.89 → 1.19 ms against the F(2×2, 3×3) it replaces; the filter gradient (its transpose)
 * 0.81 → 0.43 ms on [16,32,32,32] and 1.67 → 0.74 ms on [8,32,32,64].
 */
constexpr int64_t kWinogradMinChannels = 32;

/** A 3×3, stride-1, undilated layer with enough channels, and Winograd not switched off: the forward pass and the
 * filter gradient (and so the input gradient) take Winograd F(4×4, 3×3). */
bool winograd_layer(const ConvGeom& g) {
  static const bool on = [] {
    const char* e = std::getenv("SAL_NATIVE_WINOGRAD");
    return !(e && e[0] == '0');
  }();
  return on && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ci >= kWinogradMinChannels &&
         g.co >= kWinogradMinChannels;
}

/** Horizontal sum of a vector. */
inline float hsum(vf v) {
  float s = 0.f;
  for (int i = 0; i < VL; i++) s += v[i];
  return s;
}

/**
 * Few output channels (co ≤ 4, ci a multiple of VL; e.g. the input gradient of a first layer, a reverse
 * convolution to one channel): vectorised along the input channels, which are reduced, with 8 output pixels
 * per register block. The channel-vectorised tile would leave NR − co lanes idle.
 */
void conv_row_few_out(const float* win, int64_t pw, const float* wt, const float* bias, float* orow, const ConvGeom& g, int act, float alpha) {
  constexpr int P = 8;
  const int64_t cv = g.ci / VL;
  const int64_t rowlen = pw * g.ci * g.dh;  // window rows of consecutive ky are dh input rows apart
  for (int64_t ox0 = 0; ox0 < g.wo; ox0 += P) {
    const int np = static_cast<int>(std::min<int64_t>(P, g.wo - ox0));
    for (int64_t o = 0; o < g.co; o++) {
      vf acc[P];
      for (int r = 0; r < P; r++) acc[r] = vf{};
      for (int64_t ky = 0; ky < g.kh; ky++)
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const float* wk = wt + ((ky * g.kw + kx) * g.co + o) * g.ci;
          const float* xb = win + ky * rowlen + (ox0 * g.sw + kx * g.dw) * g.ci;
          for (int64_t c = 0; c < cv; c++) {
            const vf wv = loadu(wk + c * VL);
            if (np == P)
              for (int r = 0; r < P; r++) acc[r] += loadu(xb + r * g.sw * g.ci + c * VL) * wv;
            else
              for (int r = 0; r < np; r++) acc[r] += loadu(xb + r * g.sw * g.ci + c * VL) * wv;
          }
        }
      for (int r = 0; r < np; r++) {
        const float v = hsum(acc[r]) + (bias ? bias[o] : 0.f);
        orow[(ox0 + r) * g.co + o] = activate(v, act, alpha);
      }
    }
  }
}

/**
 * Few channels in and out (ci < VL, co ≤ 4, stride 1 and no dilation along x; e.g. a saliency remapper's 3×3
 * 3→3 and 3→2 layers, and their input gradients): one output row. With dilation 1 along x, the kw·ci inputs
 * output pixel ox reads in window row ky are the contiguous floats row[ox·ci + j], j < kw·ci, so the lane sums
 * S[t] = Σ_ky Σ_j row_ky[t + j] · f[ky][j][o] over every position t of the interleaved row hold pixel ox's output
 * at t = ox·ci: whole-vector loads, co multiply-adds per load, ci − 1 lanes in ci computed and dropped. The channel-
 * vectorised tile would use co of its NR lanes. The sums run over (ky, kx, c) in the tile's order with the same
 * fused multiply-adds, then bias and activation as vectors: the same bits as the general path.
 * `win` holds the window rows (kh·dh rows apart by `rowlen` floats), readable for kSmallChannelsLanes floats past the
 * last row; `tmp` holds co rows of `tstride` floats (the lanes rounded up to whole blocks of kSmallChannelsLanes).
 */
constexpr int64_t kSmallChannelsLanes = 4 * VL;  // lanes per block of sums: 4 vectors per output channel
template <int CO>
void conv_row_small_channels(const float* win, int64_t rowlen, const float* f, const float* bias, float* orow, const ConvGeom& g,
                             int act, float alpha, float* tmp, int64_t tstride) {
  constexpr int P = kSmallChannelsLanes / VL;
  const int64_t kj = g.kw * g.ci;               // contiguous taps per window row
  const int64_t lanes = (g.wo - 1) * g.ci + 1;  // positions t that hold an output
  for (int64_t t0 = 0; t0 < lanes; t0 += P * VL) {
    vf acc[CO][P];
    for (int o = 0; o < CO; o++)
      for (int q = 0; q < P; q++) acc[o][q] = vf{};
    for (int64_t ky = 0; ky < g.kh; ky++) {
      const float* row = win + ky * g.dh * rowlen + t0;
      const float* fk = f + ky * kj * CO;
      for (int64_t j = 0; j < kj; j++) {
        vf w[CO];
        for (int o = 0; o < CO; o++) w[o] = splat(fk[j * CO + o]);
        for (int q = 0; q < P; q++) {
          const vf xv = loadu(row + j + q * VL);
          for (int o = 0; o < CO; o++) acc[o][q] += xv * w[o];
        }
      }
    }
    for (int o = 0; o < CO; o++) {
      const vf b = splat(bias ? bias[o] : 0.f);
      for (int q = 0; q < P; q++) {
        vf v = acc[o][q];
        if (bias) v += b;
        storeu(tmp + o * tstride + t0 + q * VL, act != kLinear ? activate_v(v, act, alpha) : v);
      }
    }
  }
  for (int64_t ox = 0; ox < g.wo; ox++)
    for (int o = 0; o < CO; o++) orow[ox * CO + o] = tmp[o * tstride + ox * g.ci];
}

typedef void (*SmallChannelsFn)(const float*, int64_t, const float*, const float*, float*, const ConvGeom&, int, float, float*, int64_t);
constexpr SmallChannelsFn kSmallChannels[4] = {&conv_row_small_channels<1>, &conv_row_small_channels<2>, &conv_row_small_channels<3>,
                                               &conv_row_small_channels<4>};

// Winograd F(4×4, 3×3)'s one-dimensional transforms (Lavin & Gray 2016, points 0, ±1, ±2, ∞), each applied along
// both axes of a tile: G (3 → 6, the filter), Bᵀ (6 → 6, the input), Aᵀ (6 → 4, the output).
inline void winograd_g(double w0, double w1, double w2, double* u) {
  constexpr double k6 = 1.0 / 6, k12 = 1.0 / 12, k24 = 1.0 / 24;
  u[0] = w0 * 0.25;
  u[1] = -(w0 + w1 + w2) * k6;
  u[2] = -(w0 - w1 + w2) * k6;
  u[3] = w0 * k24 + w1 * k12 + w2 * k6;
  u[4] = w0 * k24 - w1 * k12 + w2 * k6;
  u[5] = w2;
}
inline void winograd_bt(const vf* d, vf* r) {
  r[0] = 4.f * d[0] - 5.f * d[2] + d[4];
  r[1] = (d[3] + d[4]) - 4.f * (d[1] + d[2]);
  r[2] = (d[4] - d[3]) + 4.f * (d[1] - d[2]);
  r[3] = (d[4] - d[2]) + 2.f * (d[3] - d[1]);
  r[4] = (d[4] - d[2]) - 2.f * (d[3] - d[1]);
  r[5] = 4.f * d[1] - 5.f * d[3] + d[5];
}
inline void winograd_at(const vf* m, vf* y) {
  y[0] = m[0] + m[1] + m[2] + m[3] + m[4];
  y[1] = (m[1] - m[2]) + 2.f * (m[3] - m[4]);
  y[2] = (m[1] + m[2]) + 4.f * (m[3] + m[4]);
  y[3] = (m[1] - m[2]) + 8.f * (m[3] - m[4]) + m[5];
}
// The filter gradient's transforms, the transposes of the forward's (the same points): A (4 → 6, the output
// gradient) and Gᵀ (6 → 3, back to the filter, in float64).
inline void winograd_a(const vf* y, vf* m) {
  const vf e = y[0] + y[2], o = y[1] + y[3], e4 = y[0] + 4.f * y[2], o8 = 2.f * y[1] + 8.f * y[3];
  m[0] = y[0];
  m[1] = e + o;
  m[2] = e - o;
  m[3] = e4 + o8;
  m[4] = e4 - o8;
  m[5] = y[3];
}
inline void winograd_gt(const double* u, double* w) {
  constexpr double k6 = 1.0 / 6, k12 = 1.0 / 12, k24 = 1.0 / 24;
  const double s12 = u[1] + u[2], s34 = u[3] + u[4];
  w[0] = u[0] * 0.25 - s12 * k6 + s34 * k24;
  w[1] = (u[2] - u[1]) * k6 + (u[3] - u[4]) * k12;
  w[2] = (s34 - s12) * k6 + u[5];
}
/** The first n (≤ VL) floats at p as a vector (zeros after them), and back. */
inline vf load_first(const float* p, int64_t n) {
  if (n == VL) return loadu(p);
  alignas(64) float t[VL] = {};
  std::memcpy(t, p, static_cast<size_t>(n) * sizeof(float));
  return loadu(t);
}
inline void store_first(float* p, vf v, int64_t n) {
  if (n == VL) return storeu(p, v);
  alignas(64) float t[VL];
  storeu(t, v);
  std::memcpy(p, t, static_cast<size_t>(n) * sizeof(float));
}

/**
 * V[ξ·vs + c] = (Bᵀ d B)[ξ] for the 6×6 input tile d of window columns 4t … 4t+5 (6 rows of pw pixels × ci channels),
 * vectorised over the channels (a channel tail as a partial vector through a padded copy).
 */
inline void winograd_input_tile(const float* win, int64_t pw, int64_t t, int64_t ci, float* V, int64_t vs) {
  constexpr int T = 6;
  for (int64_t c = 0; c < ci; c += VL) {
    const int64_t cn = std::min<int64_t>(VL, ci - c);
    vf r[T][T];  // (Bᵀ d)ᵀ: column b of the tile through Bᵀ
    for (int b = 0; b < T; b++) {
      vf d[T];
      for (int a = 0; a < T; a++) d[a] = load_first(win + (a * pw + 4 * t + b) * ci + c, cn);
      winograd_bt(d, r[b]);
    }
    for (int a = 0; a < T; a++) {  // (Bᵀ d) B: row a of Bᵀ d through Bᵀ
      vf e[T], v[T];
      for (int b = 0; b < T; b++) e[b] = r[b][a];
      winograd_bt(e, v);
      for (int b = 0; b < T; b++) store_first(V + (a * T + b) * vs + c, v[b], cn);
    }
  }
}

/**
 * 3×3, stride 1, no dilation: Winograd F(4×4, 3×3) (Lavin & Gray 2016; interpolation points 0, ±1, ±2, ∞). Per 6×6
 * input tile and channel V = Bᵀ d B, per filter U = G g Gᵀ (36 values each); then for each of the 36 positions a
 * product [tiles × ci]·[ci × co] (the direct convolution's register tile: 36 multiply-adds per 16 outputs instead
 * of 144) and Y = Aᵀ M A per 4×4 output. Tasks are rows of tiles; their 6 input rows are a zero-padded window built
 * in cache. The transforms' constants (up to 8) cost accuracy: the error is a few times the direct sum's.
 */
void conv3x3_winograd(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha,
                      int64_t convWork) {
  constexpr int T = 6, P = T * T;  // tile side, positions
  const int64_t ci = g.ci, co = g.co;
  const int64_t ntx = (g.wo + 3) / 4, nty = (g.ho + 3) / 4;
  const int64_t pw = 4 * ntx + 2;  // window columns: every tile's 6 columns (past the right edge: zeros)
  const int64_t nb = (co + NR - 1) / NR;
  // U[cb][ξ][ci][NR], the filter transform in float64 (rounded once)
  float* const U = thread_scratch(2, nb * P * ci * NR);  // every row written below
  for (int64_t c = 0; c < ci; c++)
    for (int64_t cb = 0; cb < nb; cb++) {
      // one channel's 36 rows of NR values, gathered here and then stored: written in place, the 36 rows lie
      // ci·NR floats apart, in the same cache sets, and were evicted before the next output channel's values came
      alignas(64) float rows[P][NR] = {};
      for (int64_t o = cb * NR; o < std::min<int64_t>(co, (cb + 1) * NR); o++) {
        double t[3][T];  // (G w)ᵀ: column b of w through G
        for (int b = 0; b < 3; b++) winograd_g(f[(b * ci + c) * co + o], f[((3 + b) * ci + c) * co + o], f[((6 + b) * ci + c) * co + o], t[b]);
        for (int a = 0; a < T; a++) {  // (G w) Gᵀ: row a of G w through G
          double u[T];
          winograd_g(t[0][a], t[1][a], t[2][a], u);
          for (int b = 0; b < T; b++) rows[a * T + b][o - cb * NR] = static_cast<float>(u[b]);
        }
      }
      for (int xi = 0; xi < P; xi++) std::memcpy(U + ((cb * P + xi) * ci + c) * NR, rows[xi], sizeof(rows[xi]));
    }
  std::vector<int64_t> koff(static_cast<size_t>(ci));
  for (int64_t c = 0; c < ci; c++) koff[c] = c;
  std::vector<float> bpad(static_cast<size_t>(nb * NR), 0.f);
  if (bias) std::memcpy(bpad.data(), bias, static_cast<size_t>(co) * sizeof(float));
  const int64_t tasks = g.n * nty;
#pragma omp parallel if (convWork >= kParallelWork)
  {
    float* const win = thread_scratch(0, T * pw * ci);
    float* const V = thread_scratch(1, P * ntx * ci);   // V[ξ][tile][ci]
    float* const M = thread_scratch(3, P * ntx * NR);   // M[ξ][tile][NR] for one co block
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / nty, oy0 = 4 * (task % nty);
      fill_window(x, g, ni, oy0 - g.pt, 1, T, pw, win);
      for (int64_t t = 0; t < ntx; t++) winograd_input_tile(win, pw, t, ci, V + t * ci, ntx * ci);
      for (int64_t cb = 0; cb < nb; cb++) {
        const int64_t c0 = cb * NR, cn = std::min<int64_t>(NR, co - c0);
        // 36 products [tiles × ci]·[ci × NR]
        for (int xi = 0; xi < P; xi++) {
          const float* Vx = V + xi * ntx * ci;
          const float* Ux = U + ((cb * P + xi) * ci) * NR;
          for (int64_t t0 = 0; t0 < ntx; t0 += MR) {
            const int R = static_cast<int>(std::min<int64_t>(MR, ntx - t0));
            kConvTile[R - 1](Vx + t0 * ci, ci, koff.data(), ci, Ux, M + (xi * ntx + t0) * NR);
          }
        }
        // output transform Y = Aᵀ M A, vectorised over output channels
        for (int64_t t = 0; t < ntx; t++) {
          for (int v = 0; v < NR / VL; v++) {
            const int64_t j0 = v * VL, jn = std::min<int64_t>(VL, cn - j0);
            if (jn <= 0) continue;
            vf q[T][4];  // (Aᵀ m)ᵀ: column b of the tile through Aᵀ
            for (int b = 0; b < T; b++) {
              vf m[T];
              for (int a = 0; a < T; a++) m[a] = loadu(M + ((a * T + b) * ntx + t) * NR + j0);
              winograd_at(m, q[b]);
            }
            const vf bv = loadu(bpad.data() + c0 + j0);
            for (int a = 0; a < 4; a++) {
              const int64_t oy = oy0 + a;
              if (oy >= g.ho) break;
              vf e[T], y[4];  // row a of Aᵀ m through Aᵀ
              for (int b = 0; b < T; b++) e[b] = q[b][a];
              winograd_at(e, y);
              for (int b = 0; b < 4; b++) {
                const int64_t ox = 4 * t + b;
                if (ox >= g.wo) break;
                float* dst = out + ((ni * g.ho + oy) * g.wo + ox) * co + c0 + j0;
                store_first(dst, activate_v(y[b] + bv, act, alpha), jn);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

namespace {

/**
 * R pixels of a 1×1 convolution (a matrix product with ci-long rows): out[r, cb·NR …] = act(x[r]·W + b) for one block
 * of NR output channels; `wb` is the block's weights `[ci][NR]`, `bp` its NR biases. Straight from x to out: no window
 * and no staging tile (with ci = 32 there are only 32 multiply-adds per output, so every extra pass shows).
 */
template <int R>
void pointwise_tile(const float* x, int64_t ci, const float* wb, const float* bp, float* out, int64_t co, int act, float alpha) {
  vf a0[R], a1[R];
  const vf b0 = loadu(bp), b1 = loadu(bp + VL);
  for (int r = 0; r < R; r++) {
    a0[r] = b0;
    a1[r] = b1;
  }
  for (int64_t k = 0; k < ci; k++) {
    const vf w0 = loadu(wb + k * NR), w1 = loadu(wb + k * NR + VL);
    for (int r = 0; r < R; r++) {
      const vf xv = splat(x[r * ci + k]);
      a0[r] += xv * w0;
      a1[r] += xv * w1;
    }
  }
  for (int r = 0; r < R; r++) {
    storeu(out + r * co, activate_v(a0[r], act, alpha));
    storeu(out + r * co + VL, activate_v(a1[r], act, alpha));
  }
}

typedef void (*PointwiseFn)(const float*, int64_t, const float*, const float*, float*, int64_t, int, float);
template <int... Rs>
struct PointwiseTiles { static constexpr PointwiseFn table[sizeof...(Rs)] = {&pointwise_tile<Rs + 1>...}; };
template <int... Rs>
constexpr PointwiseFn PointwiseTiles<Rs...>::table[sizeof...(Rs)];
template <int... I>
constexpr const PointwiseFn* pointwise_table(std::integer_sequence<int, I...>) { return PointwiseTiles<I...>::table; }
const PointwiseFn* const kPointwise = pointwise_table(std::make_integer_sequence<int, MR>{});

/** A 1×1, stride-1, unpadded convolution with co a multiple of NR, as a matrix product over all n·h·w pixels. */
void conv1x1(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha) {
  const int64_t P = g.n * g.h * g.w, nb = g.co / NR;
  std::vector<float> wp(static_cast<size_t>(nb * g.ci * NR));  // [cb][ci][NR]
  for (int64_t k = 0; k < g.ci; k++)
    for (int64_t c = 0; c < g.co; c++) wp[((c / NR) * g.ci + k) * NR + c % NR] = f[k * g.co + c];
  std::vector<float> bp(static_cast<size_t>(g.co), 0.f);
  if (bias) std::memcpy(bp.data(), bias, static_cast<size_t>(g.co) * sizeof(float));
  const int64_t tiles = (P + MR - 1) / MR;
#pragma omp parallel for schedule(static) if (P * g.ci * g.co >= kParallelWork)
  for (int64_t t = 0; t < tiles; t++) {
    const int64_t p0 = t * MR;
    const int R = static_cast<int>(std::min<int64_t>(MR, P - p0));
    for (int64_t cb = 0; cb < nb; cb++)
      kPointwise[R - 1](x + p0 * g.ci, g.ci, wp.data() + cb * g.ci * NR, bp.data() + cb * NR, out + p0 * g.co + cb * NR, g.co, act, alpha);
  }
}

/**
 * The forward pass's row driver: tasks of kRowBlock output rows of one image, each reading one window of padded input
 * rows built in cache (`pw` pixels per row, `slack` more readable floats past the last), split between threads.
 * `make_row()` is called once per thread and returns the callable `row(window_row, out_row)` that computes one output
 * row from the window row it starts at (its per-thread scratch lives in the callable).
 */
template <class MakeRow>
void conv_rows(const float* x, float* out, const ConvGeom& g, int64_t pw, int64_t slack, int64_t work, MakeRow make_row) {
  const int64_t rowlen = pw * g.ci;
  const int64_t blocks = (g.ho + kRowBlock - 1) / kRowBlock;
  const int64_t tasks = g.n * blocks;
  const int64_t span = (kRowBlock - 1) * g.sh + (g.kh - 1) * g.dh + 1;
#pragma omp parallel if (work >= kParallelWork)
  {
    std::vector<float> win_store(static_cast<size_t>(span * rowlen + slack + 16), 0.f);
    float* const win = align64(win_store.data());
    auto row = make_row();
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / blocks, oy0 = (task % blocks) * kRowBlock;
      const int64_t nr = std::min<int64_t>(kRowBlock, g.ho - oy0);
      fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nr - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win);
      for (int64_t q = 0; q < nr; q++) row(win + q * g.sh * rowlen, out + ((ni * g.ho) + oy0 + q) * g.wo * g.co);
    }
  }
}
}  // namespace

void conv2d_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha) {
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.ho == g.h && g.wo == g.w && g.co % NR == 0) {
    conv1x1(x, f, bias, out, g, act, alpha);
    return;
  }
  // a window row holds pw padded pixels: every column any output reads
  const int64_t pw = std::max(g.w + g.pl, (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  const int64_t rowlen = pw * g.ci;
  const int64_t convWork = g.n * g.ho * g.wo * g.co * g.kh * g.kw * g.ci;
  if (winograd_layer(g)) {
    conv3x3_winograd(x, f, bias, out, g, act, alpha, convWork);
    return;
  }
  if (g.ci < VL && g.co <= 4 && g.sw == 1 && g.dw == 1) {
    // slack past the window: the last block of a row reads past its end (lanes never used)
    constexpr int64_t L = kSmallChannelsLanes;
    const int64_t tstride = ((g.wo - 1) * g.ci + L) / L * L;
    conv_rows(x, out, g, pw, L, convWork, [&] {
      return [&, tmp = std::vector<float>(static_cast<size_t>(g.co * tstride))](const float* w, float* o) mutable {
        kSmallChannels[g.co - 1](w, rowlen, f, bias, o, g, act, alpha, tmp.data(), tstride);
      };
    });
    return;
  }
  if (g.co <= 4 && g.ci % VL == 0) {
    // filter as [kh][kw][co][ci]: the reduced channels contiguous
    std::vector<float> wt(static_cast<size_t>(g.kh * g.kw * g.co * g.ci));
    for (int64_t k = 0; k < g.kh * g.kw; k++)
      for (int64_t c = 0; c < g.ci; c++)
        for (int64_t o = 0; o < g.co; o++) wt[(k * g.co + o) * g.ci + c] = f[(k * g.ci + c) * g.co + o];
    conv_rows(x, out, g, pw, 0, convWork, [&] {
      return [&](const float* w, float* o) { conv_row_few_out(w, pw, wt.data(), bias, o, g, act, alpha); };
    });
    return;
  }

  const int64_t K = g.kh * g.kw * g.ci;
  const int64_t nb = (g.co + NR - 1) / NR;
  std::vector<float> wp(static_cast<size_t>(nb * K * NR), 0.f);
  for (int64_t k = 0; k < K; k++)
    for (int64_t c = 0; c < g.co; c++) wp[((c / NR) * K + k) * NR + c % NR] = f[k * g.co + c];
  std::vector<int64_t> koff(static_cast<size_t>(K));
  for (int64_t ky = 0, k = 0; ky < g.kh; ky++)
    for (int64_t kx = 0; kx < g.kw; kx++)
      for (int64_t c = 0; c < g.ci; c++, k++) koff[k] = ky * g.dh * rowlen + kx * g.dw * g.ci + c;
  std::vector<float> bpad(static_cast<size_t>(nb * NR), 0.f);
  if (bias) std::memcpy(bpad.data(), bias, static_cast<size_t>(g.co) * sizeof(float));
  const int64_t step = g.sw * g.ci;
  // the channel-vectorised tile: MR output pixels × NR output channels per call
  const auto tile_row = [&](const float* rowbase, float* orow, float* tile) {
    for (int64_t cb = 0; cb < nb; cb++) {
      const float* wb = wp.data() + cb * K * NR;
      const int64_t c0 = cb * NR, cn = std::min<int64_t>(NR, g.co - c0);
      for (int64_t ox = 0; ox < g.wo; ox += MR) {
        const int R = static_cast<int>(std::min<int64_t>(MR, g.wo - ox));
        kConvTile[R - 1](rowbase + ox * step, step, koff.data(), K, wb, tile);
        for (int r = 0; r < R; r++) {
          float* o = orow + (ox + r) * g.co + c0;
          float* t = tile + r * NR;
          if (bias || act != kLinear) {
            for (int v = 0; v < 2; v++) {
              vf val = loadu(t + v * VL);
              if (bias) val += loadu(bpad.data() + c0 + v * VL);
              storeu(t + v * VL, activate_v(val, act, alpha));
            }
          }
          std::memcpy(o, t, static_cast<size_t>(cn) * sizeof(float));
        }
      }
    }
  };
  struct alignas(64) Tile {
    float v[MR * NR];
  };
  conv_rows(x, out, g, pw, 0, convWork, [&] { return [&, tile = Tile{}](const float* w, float* o) mutable { tile_row(w, o, tile.v); }; });
}

bool conv2d_backprop_input(const float* dy, const float* f, float* dx, const ConvGeom& g) {
  if (g.sh != 1 || g.sw != 1) return false;
  ConvGeom t{};
  t.n = g.n; t.h = g.ho; t.w = g.wo; t.ci = g.co;
  t.kh = g.kh; t.kw = g.kw; t.co = g.ci;
  t.sh = 1; t.sw = 1; t.dh = g.dh; t.dw = g.dw;
  t.pt = (g.kh - 1) * g.dh - g.pt; t.pl = (g.kw - 1) * g.dw - g.pl;
  t.ho = g.h; t.wo = g.w;
  if (t.pt < 0 || t.pl < 0) return false;
  // flipped filter, in/out swapped: f2[ky][kx][co][ci] = f[kh-1-ky][kw-1-kx][ci][co]
  std::vector<float> f2(static_cast<size_t>(g.kh * g.kw * g.ci * g.co));
  for (int64_t ky = 0; ky < g.kh; ky++)
    for (int64_t kx = 0; kx < g.kw; kx++) {
      const float* src = f + ((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * g.ci * g.co;
      float* dst = f2.data() + (ky * g.kw + kx) * g.ci * g.co;
      for (int64_t c = 0; c < g.ci; c++)
        for (int64_t o = 0; o < g.co; o++) dst[o * g.ci + c] = src[c * g.co + o];
    }
  conv2d_forward(dy, f2.data(), nullptr, dx, t, kLinear, 0.f);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Convolution filter gradient

namespace {

// acc[r][0:NR] += Σ_{oy in rows, ox} xrow(oy)[ox·step + moff[r]] · dy(oy, ox)[0:NR]
template <int R>
void filter_tile(const float* const* xrows, const float* const* dyrows, int nrows, int64_t wo, int64_t step, int64_t ld,
                 const int64_t* moff, float* acc, int64_t accld) {
  vf a0[R], a1[R];
  for (int r = 0; r < R; r++) { a0[r] = loadu(acc + r * accld); a1[r] = loadu(acc + r * accld + VL); }
  int64_t off[R];
  for (int r = 0; r < R; r++) off[r] = moff[r];
  for (int q = 0; q < nrows; q++) {
    const float* xr = xrows[q];
    const float* dr = dyrows[q];
    for (int64_t ox = 0; ox < wo; ox++) {
      const vf b0 = loadu(dr + ox * ld), b1 = loadu(dr + ox * ld + VL);
      const float* p = xr + ox * step;
      for (int r = 0; r < R; r++) {
        const vf a = splat(p[off[r]]);
        a0[r] += a * b0;
        a1[r] += a * b1;
      }
    }
  }
  for (int r = 0; r < R; r++) { storeu(acc + r * accld, a0[r]); storeu(acc + r * accld + VL, a1[r]); }
}

typedef void (*FilterTileFn)(const float* const*, const float* const*, int, int64_t, int64_t, int64_t, const int64_t*, float*, int64_t);
template <int... Rs>
struct FilterTiles { static constexpr FilterTileFn table[sizeof...(Rs)] = {&filter_tile<Rs + 1>...}; };
template <int... Rs>
constexpr FilterTileFn FilterTiles<Rs...>::table[sizeof...(Rs)];
template <int... I>
constexpr const FilterTileFn* filter_table(std::integer_sequence<int, I...>) { return FilterTiles<I...>::table; }
const FilterTileFn* const kFilterTile = filter_table(std::make_integer_sequence<int, MR>{});

constexpr int kRowChunk = 4;

/**
 * Few output channels (co ≤ kSmallCo, e.g. a remapper's 3×3 3→2 convolution): padding dy's channels to whole NR
 * blocks would copy dy at NR/co times its size and waste as much arithmetic. Instead each input window row of a
 * filter row ky (kw·ci contiguous floats, dilation 1) is one or a few vectors, and every output pixel adds
 * `row · dy[pixel, o]` to the accumulators of its CO output channels (registers across the row).
 */
constexpr int64_t kSmallCo = 8;

template <int CO>
void filter_rows_small_co(const float* xr, const float* dyrow, int64_t wo, int64_t step, int64_t mv, float* acc) {
  // acc: [CO][mv·VL] for one ky
  for (int64_t v = 0; v < mv; v++) {
    vf a[CO];
    for (int o = 0; o < CO; o++) a[o] = loadu(acc + o * mv * VL + v * VL);
    const float* xp = xr + v * VL;
    for (int64_t ox = 0; ox < wo; ox++) {
      const vf xv = loadu(xp + ox * step);
      for (int o = 0; o < CO; o++) a[o] += xv * splat(dyrow[ox * CO + o]);
    }
    for (int o = 0; o < CO; o++) storeu(acc + o * mv * VL + v * VL, a[o]);
  }
}

typedef void (*SmallCoFn)(const float*, const float*, int64_t, int64_t, int64_t, float*);
constexpr SmallCoFn kSmallCoFn[kSmallCo] = {&filter_rows_small_co<1>, &filter_rows_small_co<2>, &filter_rows_small_co<3>, &filter_rows_small_co<4>,
                                            &filter_rows_small_co<5>, &filter_rows_small_co<6>, &filter_rows_small_co<7>, &filter_rows_small_co<8>};

void backprop_filter_small_co(const float* x, const float* dy, float* df, const ConvGeom& g) {
  const int64_t pw = std::max(g.w + g.pl, (g.wo - 1) * g.sw + g.kw);
  const int64_t rowlen = pw * g.ci;
  const int64_t M = g.kw * g.ci, mv = (M + VL - 1) / VL;
  const int64_t accSize = g.kh * g.co * mv * VL;
  const int64_t filterWork = g.n * g.ho * g.wo * g.co * g.kh * g.kw * g.ci;
  const int64_t chunks = (g.ho + kRowChunk - 1) / kRowChunk;
  const int64_t tasks = g.n * chunks;
  const int T = filterWork >= kParallelWork ? std::max(1, static_cast<int>(std::min<int64_t>(omp_get_max_threads(), tasks))) : 1;
  std::vector<float> accs(static_cast<size_t>(T * accSize), 0.f);
  const int64_t span = (kRowChunk - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const SmallCoFn rows = kSmallCoFn[g.co - 1];
#pragma omp parallel num_threads(T) if (T > 1)
  {
    float* acc = accs.data() + omp_get_thread_num() * accSize;
    // + mv·VL: the last pixel's vectors read past its kw·ci floats (those lanes are never summed into df)
    std::vector<float> win_store(static_cast<size_t>(span * rowlen + mv * VL + 16), 0.f);
    float* const win = align64(win_store.data());
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / chunks, oy0 = (task % chunks) * kRowChunk;
      const int nrows = static_cast<int>(std::min<int64_t>(kRowChunk, g.ho - oy0));
      fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nrows - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win);
      for (int q = 0; q < nrows; q++) {
        const float* dyrow = dy + ((ni * g.ho + oy0 + q) * g.wo) * g.co;
        for (int64_t ky = 0; ky < g.kh; ky++)
          rows(win + (q * g.sh + ky * g.dh) * rowlen, dyrow, g.wo, g.sw * g.ci, mv, acc + ky * g.co * mv * VL);
      }
    }
  }
  // df[ky][kx][ci][o] = Σ_t acc_t[ky][o][kx·ci + ci]
  for (int64_t ky = 0; ky < g.kh; ky++)
    for (int64_t m = 0; m < M; m++)
      for (int64_t o = 0; o < g.co; o++) {
        float s = 0.f;
        for (int t = 0; t < T; t++) s += accs[static_cast<size_t>(t * accSize + (ky * g.co + o) * mv * VL + m)];
        df[(ky * M + m) * g.co + o] = s;
      }
}

/** Output-gradient tiles per filter-gradient task (whole rows of tiles): the reduction length of its 36 products. */
constexpr int64_t kWinogradFilterTiles = 32;

/**
 * Filter gradient of a 3×3 stride-1 convolution by Winograd F(4×4, 3×3) turned around: the forward computes each 4×4
 * output tile as Y = Aᵀ [(G w Gᵀ) ⊙ (Bᵀ d B)] A, so its transpose gives dw = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G.
 * Per task (rows of tiles of one image) the input tiles V = Bᵀ d B [ξ][tile][ci] and the output-gradient tiles
 * A dY Aᵀ [ξ][tile][co] are transformed in cache, then 36 products [ci × tiles]·[tiles × co] add into a per-thread
 * M[ξ][ci][co] (the direct filter gradient's register tile: 36 multiply-adds per 16 output pixels instead of 144);
 * at the end the threads' sums go through Gᵀ · G in float64.
 */
void conv3x3_winograd_filter(const float* x, const float* dy, float* df, const ConvGeom& g, int64_t filterWork) {
  constexpr int T = 6, P = T * T;
  const int64_t ci = g.ci, co = g.co;
  const int64_t ntx = (g.wo + 3) / 4, nty = (g.ho + 3) / 4;
  const int64_t pw = 4 * ntx + 2;
  const int64_t copad = (co + NR - 1) / NR * NR;
  const int64_t rowsPerTask = std::min(nty, std::max<int64_t>(1, (kWinogradFilterTiles + ntx - 1) / ntx));
  const int64_t maxTiles = rowsPerTask * ntx;
  // the 36 rows of V and D one tile writes lie vs (ds) floats apart: a cache line more than a multiple of 4 KB would
  // put them all in a few cache sets
  const int64_t vs = (maxTiles * ci + 15) / 16 * 16 + 16, ds = maxTiles * copad + 16;
  const int64_t chunks = (nty + rowsPerTask - 1) / rowsPerTask;
  const int64_t tasks = g.n * chunks;
  const int nt = filterWork >= kParallelWork ? std::max(1, static_cast<int>(std::min<int64_t>(omp_get_max_threads(), tasks))) : 1;
  const int64_t accSize = P * ci * copad;
  float* const accs = thread_scratch(2, nt * accSize);
  std::fill(accs, accs + nt * accSize, 0.f);
  std::vector<int64_t> moff(static_cast<size_t>(ci));
  for (int64_t c = 0; c < ci; c++) moff[c] = c;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    float* acc = accs + omp_get_thread_num() * accSize;
    float* const win = thread_scratch(0, T * pw * ci);
    float* const V = thread_scratch(1, P * vs);  // V[ξ][tile][ci]
    float* const D = thread_scratch(3, P * ds);  // (A dY Aᵀ)[ξ][tile][copad]
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / chunks, ty0 = (task % chunks) * rowsPerTask;
      const int64_t rows = std::min(rowsPerTask, nty - ty0), tiles = rows * ntx;
      for (int64_t r = 0; r < rows; r++) {
        const int64_t oy0 = 4 * (ty0 + r);
        fill_window(x, g, ni, oy0 - g.pt, 1, T, pw, win);
        for (int64_t t = 0; t < ntx; t++) winograd_input_tile(win, pw, t, ci, V + (r * ntx + t) * ci, vs);
        // output-gradient tiles, vectorised over the output channels; rows and columns past the output are zeros
        for (int64_t t = 0; t < ntx; t++) {
          const int64_t tile = r * ntx + t;
          for (int64_t j0 = 0; j0 < copad; j0 += VL) {
            const int64_t jn = std::min<int64_t>(VL, co - j0);
            vf q[4][T];  // (A y)ᵀ: column b of the 4×4 tile through A
            for (int b = 0; b < 4; b++) {
              vf y[4];
              for (int a = 0; a < 4; a++) {
                const int64_t oy = oy0 + a, ox = 4 * t + b;
                y[a] = oy < g.ho && ox < g.wo && jn > 0 ? load_first(dy + ((ni * g.ho + oy) * g.wo + ox) * co + j0, jn) : splat(0.f);
              }
              winograd_a(y, q[b]);
            }
            for (int a = 0; a < T; a++) {  // (A y) Aᵀ: row a of A y through A
              vf e[4], m[T];
              for (int b = 0; b < 4; b++) e[b] = q[b][a];
              winograd_a(e, m);
              for (int b = 0; b < T; b++) storeu(D + (a * T + b) * ds + tile * copad + j0, m[b]);
            }
          }
        }
      }
      // the next task's input rows and output-gradient rows (two contiguous ranges) are fetched into L2 during the
      // products, a share per position: read when the transforms need them, they stalled them
      const char *pxa = nullptr, *pxb = nullptr, *pda = nullptr, *pdb = nullptr;
      if (task + 1 < tasks) {
        const int64_t ni2 = (task + 1) / chunks, ty2 = ((task + 1) % chunks) * rowsPerTask;
        const int64_t rows2 = std::min(rowsPerTask, nty - ty2);
        const int64_t y0 = std::max<int64_t>(0, 4 * ty2 - g.pt), y1 = std::min<int64_t>(g.h, 4 * (ty2 + rows2) + 2 - g.pt);
        const int64_t d0 = 4 * ty2, d1 = std::min<int64_t>(g.ho, 4 * (ty2 + rows2));
        if (y1 > y0) {
          pxa = reinterpret_cast<const char*>(x + (ni2 * g.h + y0) * g.w * ci);
          pxb = reinterpret_cast<const char*>(x + (ni2 * g.h + y1) * g.w * ci);
        }
        if (d1 > d0) {
          pda = reinterpret_cast<const char*>(dy + (ni2 * g.ho + d0) * g.wo * co);
          pdb = reinterpret_cast<const char*>(dy + (ni2 * g.ho + d1) * g.wo * co);
        }
      }
      const int64_t xLines = (pxb - pxa + 63) / 64, dLines = (pdb - pda + 63) / 64;
      // M[ξ][ci][co] += Σ_tile V[ξ][tile][ci] · D[ξ][tile][co]
      for (int xi = 0; xi < P; xi++) {
        for (int64_t l = xLines * xi / P; l < xLines * (xi + 1) / P; l++) _mm_prefetch(pxa + 64 * l, _MM_HINT_T1);
        for (int64_t l = dLines * xi / P; l < dLines * (xi + 1) / P; l++) _mm_prefetch(pda + 64 * l, _MM_HINT_T1);
        const float* Vx = V + xi * vs;
        const float* Dx = D + xi * ds;
        for (int64_t c0 = 0; c0 < ci; c0 += MR) {
          const int R = static_cast<int>(std::min<int64_t>(MR, ci - c0));
          for (int64_t j0 = 0; j0 < copad; j0 += NR) {
            const float* dr = Dx + j0;
            kFilterTile[R - 1](&Vx, &dr, 1, tiles, ci, copad, moff.data() + c0, acc + (xi * ci + c0) * copad + j0, copad);
          }
        }
      }
    }
  }
  // df[ky][kx][c][o] = (Gᵀ M G)[ky][kx], M the threads' sums; per input channel its 36 rows of co sums are gathered
  // first (read in place, one (c, o) at a time, they lie ci·copad floats apart, in the same cache sets)
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<double> m(static_cast<size_t>(P * copad));
#pragma omp for schedule(static)
    for (int64_t c = 0; c < ci; c++) {
      std::fill(m.begin(), m.end(), 0.0);
      for (int t = 0; t < nt; t++)
        for (int xi = 0; xi < P; xi++) {
          const float* src = accs + t * accSize + (xi * ci + c) * copad;
          double* dst = m.data() + xi * copad;
          for (int64_t o = 0; o < co; o++) dst[o] += src[o];
        }
      for (int64_t o = 0; o < co; o++) {
        double h[T][3];  // (Gᵀ m)ᵀ: column b of m through Gᵀ
        for (int b = 0; b < T; b++) {
          double col[T];
          for (int a = 0; a < T; a++) col[a] = m[(a * T + b) * copad + o];
          winograd_gt(col, h[b]);
        }
        for (int ky = 0; ky < 3; ky++) {  // (Gᵀ m) G: row ky through Gᵀ
          double row[T], w[3];
          for (int b = 0; b < T; b++) row[b] = h[b][ky];
          winograd_gt(row, w);
          for (int kx = 0; kx < 3; kx++) df[((ky * 3 + kx) * ci + c) * co + o] = static_cast<float>(w[kx]);
        }
      }
    }
  }
}

}  // namespace

void conv2d_backprop_filter(const float* x, const float* dy, float* df, const ConvGeom& g) {
  if (winograd_layer(g)) return conv3x3_winograd_filter(x, dy, df, g, g.n * g.ho * g.wo * g.co * 9 * g.ci);
  if (g.co <= kSmallCo && g.co % NR != 0 && g.dw == 1) return backprop_filter_small_co(x, dy, df, g);
  const int64_t pw = std::max(g.w + g.pl, (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  const int64_t rowlen = pw * g.ci;
  const int64_t nb = (g.co + NR - 1) / NR;
  const int64_t copad = nb * NR;
  // dy with its channels padded to whole NR blocks (when they are not)
  std::vector<float> dybuf;
  const float* dyp = dy;
  int64_t ld = g.co;
  if (g.co % NR != 0) {
    const int64_t pix = g.n * g.ho * g.wo;
    dybuf.assign(static_cast<size_t>(pix * copad), 0.f);
#pragma omp parallel for schedule(static) if (pix * copad >= kParallelMin)
    for (int64_t p = 0; p < pix; p++) std::memcpy(dybuf.data() + p * copad, dy + p * g.co, static_cast<size_t>(g.co) * sizeof(float));
    dyp = dybuf.data();
    ld = copad;
  }
  const int64_t M = g.kw * g.ci;  // per ky: rows (kx, ci)
  std::vector<int64_t> moff(static_cast<size_t>(M));
  for (int64_t kx = 0, m = 0; kx < g.kw; kx++)
    for (int64_t c = 0; c < g.ci; c++, m++) moff[m] = kx * g.dw * g.ci + c;
  const int64_t accSize = g.kh * M * copad;
  const int64_t filterWork = g.n * g.ho * g.wo * g.co * g.kh * g.kw * g.ci;
  const int64_t chunks = (g.ho + kRowChunk - 1) / kRowChunk;
  const int64_t tasks = g.n * chunks;
  const int T = std::max(1, static_cast<int>(std::min<int64_t>(omp_get_max_threads(), tasks)));
  std::vector<float> accs(static_cast<size_t>(T * accSize), 0.f);
  const int64_t step = g.sw * g.ci;
  // window rows of one chunk: input rows oy0·sh − pt + j for j in [0, span)
  const int64_t span = (kRowChunk - 1) * g.sh + (g.kh - 1) * g.dh + 1;
#pragma omp parallel num_threads(T) if (filterWork >= kParallelWork)
  {
    float* acc = accs.data() + omp_get_thread_num() * accSize;
    std::vector<float> win_store(static_cast<size_t>(span * rowlen + 16));
    float* const win = align64(win_store.data());
    const float* xrows[kRowChunk];
    const float* dyrows[kRowChunk];
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / chunks, oy0 = (task % chunks) * kRowChunk;
      const int nrows = static_cast<int>(std::min<int64_t>(kRowChunk, g.ho - oy0));
      fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nrows - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win);
      for (int64_t ky = 0; ky < g.kh; ky++) {
        for (int q = 0; q < nrows; q++) {
          xrows[q] = win + (q * g.sh + ky * g.dh) * rowlen;
          dyrows[q] = dyp + ((ni * g.ho + oy0 + q) * g.wo) * ld;
        }
        for (int64_t m0 = 0; m0 < M; m0 += MR) {
          const int R = static_cast<int>(std::min<int64_t>(MR, M - m0));
          for (int64_t cb = 0; cb < nb; cb++) {
            const float* dr[kRowChunk];
            for (int q = 0; q < nrows; q++) dr[q] = dyrows[q] + cb * NR;
            kFilterTile[R - 1](xrows, dr, nrows, g.wo, step, ld, moff.data() + m0, acc + (ky * M + m0) * copad + cb * NR, copad);
          }
        }
      }
    }
  }
  // reduce the per-thread sums [ky][kx·ci][copad] into df [kh][kw][ci][co]
  const int64_t KM = g.kh * M;
#pragma omp parallel for schedule(static) if (KM * g.co >= kParallelMin)
  for (int64_t km = 0; km < KM; km++)
    for (int64_t c = 0; c < g.co; c++) {
      float s = 0.f;
      for (int t = 0; t < T; t++) s += accs[static_cast<size_t>(t * accSize + km * copad + c)];
      df[km * g.co + c] = s;
    }
}
}  // namespace sal
