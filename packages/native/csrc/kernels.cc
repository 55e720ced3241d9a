// Native float32 kernels for @sal/native. See kernels.h for the contracts.
//
// Convolutions are computed directly from a zero-padded copy of the input (no im2col matrix): a tile of MR
// output pixels × NR output channels is held in registers while the (ky, kx, ci) reduction runs over an
// offset table. The filter gradient is the same tile turned around: MR (kx, ci) rows × NR output channels,
// reduced over output pixels. Matrix products pack A and B into MR/NR panels (GotoBLAS order).
#include "kernels.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace sal {
namespace {

#if defined(__AVX512F__)
constexpr int VL = 16;
constexpr int MR = 12;
const char* kSimd = "avx512";
#elif defined(__AVX2__) || defined(__AVX__)
constexpr int VL = 8;
constexpr int MR = 6;
const char* kSimd = "avx2";
#else
constexpr int VL = 4;
constexpr int MR = 4;
const char* kSimd = "sse";
#endif
constexpr int NR = 2 * VL;

typedef float vf __attribute__((vector_size(VL * 4)));
typedef float vfu __attribute__((vector_size(VL * 4), aligned(4), may_alias));

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

/**
 * Copy input rows `y0 + r·rstep` (r in [0, nrows)) of image `ni` into `win` as zero-padded rows of `pw` pixels
 * (pixel x' holds input column x' − pl): the window a few output rows read, built in cache instead of a padded
 * copy of the whole batch.
 */
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

constexpr int64_t kRowBlock = 8;  // output rows per convolution task

/**
 * Winograd for 3×3 convolutions with at least kWinogradMinChannels channels in and out, unless
 * SAL_NATIVE_WINOGRAD=0 (for comparisons). Below that the transforms cost more than the 2.25× fewer
 * multiply-adds save: 3×3 32→32 (batch 64, 64×64) takes 23 ms with Winograd and 17 ms direct; 64→64 is
 * 7% faster with Winograd and 128→128 16% (idle 2-core AVX-512 machine, fused bias + ELU).
 */
constexpr int64_t kWinogradMinChannels = 64;

bool winograd_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("SAL_NATIVE_WINOGRAD");
    return !(e && e[0] == '0');
  }();
  return on;
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
 * 3×3, stride 1, no dilation: Winograd F(2×2, 3×3). Per 4×4 input tile and channel V = Bᵀ d B, per filter
 * U = G g Gᵀ (16 values each); then for each of the 16 positions a product [tiles × ci]·[ci × co] (the direct
 * convolution's register tile, 2.25× fewer multiplies than 9 taps per output) and Y = Aᵀ M A per 2×2 output.
 * Tasks are rows of tiles; their 4 input rows are a zero-padded window built in cache.
 */
void conv3x3_winograd(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha,
                      int64_t convWork) {
  const int64_t ci = g.ci, co = g.co;
  const int64_t ntx = (g.wo + 1) / 2, nty = (g.ho + 1) / 2;
  const int64_t pw = 2 * ntx + 2;  // window columns: every tile's 4 columns (past the right edge: zeros)
  const int64_t nb = (co + NR - 1) / NR;
  // U[cb][ξ][ci][NR]
  std::vector<float> U(static_cast<size_t>(nb * 16 * ci * NR), 0.f);
  for (int64_t c = 0; c < ci; c++)
    for (int64_t o = 0; o < co; o++) {
      float w[3][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) w[a][b] = f[((a * 3 + b) * ci + c) * co + o];
      float t[4][3];  // G w
      for (int b = 0; b < 3; b++) {
        t[0][b] = w[0][b];
        t[1][b] = 0.5f * (w[0][b] + w[1][b] + w[2][b]);
        t[2][b] = 0.5f * (w[0][b] - w[1][b] + w[2][b]);
        t[3][b] = w[2][b];
      }
      for (int a = 0; a < 4; a++) {  // (G w) Gᵀ
        const float u[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]), 0.5f * (t[a][0] - t[a][1] + t[a][2]), t[a][2]};
        for (int b = 0; b < 4; b++) U[(((o / NR) * 16 + a * 4 + b) * ci + c) * NR + o % NR] = u[b];
      }
    }
  std::vector<int64_t> koff(static_cast<size_t>(ci));
  for (int64_t c = 0; c < ci; c++) koff[c] = c;
  std::vector<float> bpad(static_cast<size_t>(nb * NR), 0.f);
  if (bias) std::memcpy(bpad.data(), bias, static_cast<size_t>(co) * sizeof(float));
  const int64_t tasks = g.n * nty;
#pragma omp parallel if (convWork >= kParallelWork)
  {
    std::vector<float> win(static_cast<size_t>(4 * pw * ci));
    std::vector<float> V(static_cast<size_t>(16 * ntx * ci));       // V[ξ][tile][ci]
    std::vector<float> M(static_cast<size_t>(16 * ntx * NR));       // M[ξ][tile][NR] for one co block
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / nty, ty = task % nty, oy0 = 2 * ty;
      fill_window(x, g, ni, oy0 - g.pt, 1, 4, pw, win.data());
      // input transform, vectorised over channels
      for (int64_t t = 0; t < ntx; t++) {
        int64_t c = 0;
        for (; c + VL <= ci; c += VL) {
          vf d[4][4];
          for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++) d[a][b] = loadu(win.data() + (a * pw + 2 * t + b) * ci + c);
          vf r[4][4];
          for (int b = 0; b < 4; b++) {  // Bᵀ d
            r[0][b] = d[0][b] - d[2][b];
            r[1][b] = d[1][b] + d[2][b];
            r[2][b] = d[2][b] - d[1][b];
            r[3][b] = d[1][b] - d[3][b];
          }
          for (int a = 0; a < 4; a++) {  // (Bᵀ d) B
            const vf v0 = r[a][0] - r[a][2], v1 = r[a][1] + r[a][2], v2 = r[a][2] - r[a][1], v3 = r[a][1] - r[a][3];
            storeu(V.data() + ((a * 4 + 0) * ntx + t) * ci + c, v0);
            storeu(V.data() + ((a * 4 + 1) * ntx + t) * ci + c, v1);
            storeu(V.data() + ((a * 4 + 2) * ntx + t) * ci + c, v2);
            storeu(V.data() + ((a * 4 + 3) * ntx + t) * ci + c, v3);
          }
        }
        for (; c < ci; c++) {
          float d[4][4], r[4][4];
          for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++) d[a][b] = win[static_cast<size_t>((a * pw + 2 * t + b) * ci + c)];
          for (int b = 0; b < 4; b++) {
            r[0][b] = d[0][b] - d[2][b];
            r[1][b] = d[1][b] + d[2][b];
            r[2][b] = d[2][b] - d[1][b];
            r[3][b] = d[1][b] - d[3][b];
          }
          for (int a = 0; a < 4; a++) {
            const float v[4] = {r[a][0] - r[a][2], r[a][1] + r[a][2], r[a][2] - r[a][1], r[a][1] - r[a][3]};
            for (int b = 0; b < 4; b++) V[static_cast<size_t>(((a * 4 + b) * ntx + t) * ci + c)] = v[b];
          }
        }
      }
      for (int64_t cb = 0; cb < nb; cb++) {
        const int64_t c0 = cb * NR, cn = std::min<int64_t>(NR, co - c0);
        // 16 products [tiles × ci]·[ci × NR]
        for (int xi = 0; xi < 16; xi++) {
          const float* Vx = V.data() + xi * ntx * ci;
          const float* Ux = U.data() + ((cb * 16 + xi) * ci) * NR;
          for (int64_t t0 = 0; t0 < ntx; t0 += MR) {
            const int R = static_cast<int>(std::min<int64_t>(MR, ntx - t0));
            kConvTile[R - 1](Vx + t0 * ci, ci, koff.data(), ci, Ux, M.data() + (xi * ntx + t0) * NR);
          }
        }
        // output transform Y = Aᵀ M A, vectorised over output channels
        for (int64_t t = 0; t < ntx; t++) {
          for (int v = 0; v < 2; v++) {
            vf m[4][4];
            for (int a = 0; a < 4; a++)
              for (int b = 0; b < 4; b++) m[a][b] = loadu(M.data() + ((a * 4 + b) * ntx + t) * NR + v * VL);
            vf q[2][4];
            for (int b = 0; b < 4; b++) {
              q[0][b] = m[0][b] + m[1][b] + m[2][b];
              q[1][b] = m[1][b] - m[2][b] - m[3][b];
            }
            const vf bv = loadu(bpad.data() + c0 + v * VL);
            alignas(64) float yv[2][2][VL];
            for (int a = 0; a < 2; a++) {
              storeu(yv[a][0], activate_v(q[a][0] + q[a][1] + q[a][2] + bv, act, alpha));
              storeu(yv[a][1], activate_v(q[a][1] - q[a][2] - q[a][3] + bv, act, alpha));
            }
            const int64_t j0 = v * VL, jn = std::min<int64_t>(VL, cn - j0);
            if (jn <= 0) continue;
            for (int a = 0; a < 2; a++) {
              const int64_t oy = oy0 + a;
              if (oy >= g.ho) continue;
              for (int b = 0; b < 2; b++) {
                const int64_t ox = 2 * t + b;
                if (ox >= g.wo) continue;
                std::memcpy(out + ((ni * g.ho + oy) * g.wo + ox) * co + c0 + j0, yv[a][b], static_cast<size_t>(jn) * sizeof(float));
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

void conv2d_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha) {
  // a window row holds pw padded pixels: every column any output reads
  const int64_t pw = std::max(g.w + g.pl, (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  const int64_t rowlen = pw * g.ci;
  // tasks: blocks of kRowBlock output rows of one image, read from one window of `span` input rows
  const int64_t blocks = (g.ho + kRowBlock - 1) / kRowBlock;
  const int64_t tasks = g.n * blocks;
  const int64_t span = (kRowBlock - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const bool fewOut = g.co <= 4 && g.ci % VL == 0;
  const int64_t convWork = g.n * g.ho * g.wo * g.co * g.kh * g.kw * g.ci;
  if (g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ci >= kWinogradMinChannels && g.co >= kWinogradMinChannels && winograd_enabled()) {
    conv3x3_winograd(x, f, bias, out, g, act, alpha, convWork);
    return;
  }
  if (fewOut) {
    // filter as [kh][kw][co][ci]: the reduced channels contiguous
    std::vector<float> wt(static_cast<size_t>(g.kh * g.kw * g.co * g.ci));
    for (int64_t k = 0; k < g.kh * g.kw; k++)
      for (int64_t c = 0; c < g.ci; c++)
        for (int64_t o = 0; o < g.co; o++) wt[(k * g.co + o) * g.ci + c] = f[(k * g.ci + c) * g.co + o];
#pragma omp parallel if (convWork >= kParallelWork)
    {
      std::vector<float> win(static_cast<size_t>(span * rowlen));
#pragma omp for schedule(static)
      for (int64_t task = 0; task < tasks; task++) {
        const int64_t ni = task / blocks, oy0 = (task % blocks) * kRowBlock;
        const int64_t nr = std::min<int64_t>(kRowBlock, g.ho - oy0);
        fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nr - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win.data());
        for (int64_t q = 0; q < nr; q++)
          conv_row_few_out(win.data() + q * g.sh * rowlen, pw, wt.data(), bias, out + ((ni * g.ho) + oy0 + q) * g.wo * g.co, g, act, alpha);
      }
    }
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
#pragma omp parallel if (convWork >= kParallelWork)
  {
    alignas(64) float tile[MR * NR];
    std::vector<float> win(static_cast<size_t>(span * rowlen));
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / blocks, oy0 = (task % blocks) * kRowBlock;
      const int64_t nr = std::min<int64_t>(kRowBlock, g.ho - oy0);
      fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nr - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win.data());
      for (int64_t q = 0; q < nr; q++) {
      const float* rowbase = win.data() + q * g.sh * rowlen;
      float* orow = out + ((ni * g.ho) + oy0 + q) * g.wo * g.co;
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
      }
    }
  }
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

}  // namespace

void conv2d_backprop_filter(const float* x, const float* dy, float* df, const ConvGeom& g) {
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
    std::vector<float> win(static_cast<size_t>(span * rowlen));
    const float* xrows[kRowChunk];
    const float* dyrows[kRowChunk];
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; task++) {
      const int64_t ni = task / chunks, oy0 = (task % chunks) * kRowChunk;
      const int nrows = static_cast<int>(std::min<int64_t>(kRowChunk, g.ho - oy0));
      fill_window(x, g, ni, oy0 * g.sh - g.pt, 1, (nrows - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw, win.data());
      for (int64_t ky = 0; ky < g.kh; ky++) {
        for (int q = 0; q < nrows; q++) {
          xrows[q] = win.data() + (q * g.sh + ky * g.dh) * rowlen;
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

// ---------------------------------------------------------------------------------------------------------
// Matrix products

namespace {

constexpr int64_t KC = 256;
constexpr int64_t MC = 96;  // multiple of MR (12, 6, 4 all divide 96)

template <int R>
void gemm_tile(const float* ap, const float* bp, int64_t kc, float* c, int64_t ldc, int64_t cn, bool accumulate) {
  vf a0[R], a1[R];
  for (int r = 0; r < R; r++) { a0[r] = vf{}; a1[r] = vf{}; }
  for (int64_t k = 0; k < kc; k++) {
    const vf b0 = loadu(bp + k * NR), b1 = loadu(bp + k * NR + VL);
    const float* a = ap + k * MR;
    for (int r = 0; r < R; r++) {
      const vf s = splat(a[r]);
      a0[r] += s * b0;
      a1[r] += s * b1;
    }
  }
  if (cn == NR) {
    for (int r = 0; r < R; r++) {
      float* cr = c + r * ldc;
      if (accumulate) { storeu(cr, loadu(cr) + a0[r]); storeu(cr + VL, loadu(cr + VL) + a1[r]); }
      else { storeu(cr, a0[r]); storeu(cr + VL, a1[r]); }
    }
    return;
  }
  alignas(64) float t[NR];
  for (int r = 0; r < R; r++) {
    storeu(t, a0[r]);
    storeu(t + VL, a1[r]);
    float* cr = c + r * ldc;
    for (int64_t j = 0; j < cn; j++) cr[j] = accumulate ? cr[j] + t[j] : t[j];
  }
}

/** gemm_tile reading A in place: element (r, k) at a[r·sr + k·sk] (no packing; for products with few columns). */
template <int R>
void gemm_tile_direct(const float* a, int64_t sr, int64_t sk, const float* bp, int64_t kc, float alpha, float* c, int64_t ldc, int64_t cn,
                      bool accumulate) {
  vf a0[R], a1[R];
  for (int r = 0; r < R; r++) { a0[r] = vf{}; a1[r] = vf{}; }
  for (int64_t k = 0; k < kc; k++) {
    const vf b0 = loadu(bp + k * NR), b1 = loadu(bp + k * NR + VL);
    const float* ak = a + k * sk;
    for (int r = 0; r < R; r++) {
      const vf s = splat(ak[r * sr]);
      a0[r] += s * b0;
      a1[r] += s * b1;
    }
  }
  alignas(64) float t[NR];
  for (int r = 0; r < R; r++) {
    storeu(t, a0[r] * alpha);
    storeu(t + VL, a1[r] * alpha);
    float* cr = c + r * ldc;
    if (cn == NR && accumulate) { storeu(cr, loadu(cr) + loadu(t)); storeu(cr + VL, loadu(cr + VL) + loadu(t + VL)); }
    else if (cn == NR) { storeu(cr, loadu(t)); storeu(cr + VL, loadu(t + VL)); }
    else for (int64_t j = 0; j < cn; j++) cr[j] = accumulate ? cr[j] + t[j] : t[j];
  }
}
typedef void (*GemmDirectFn)(const float*, int64_t, int64_t, const float*, int64_t, float, float*, int64_t, int64_t, bool);
template <int... Rs>
struct GemmDirectTiles { static constexpr GemmDirectFn table[sizeof...(Rs)] = {&gemm_tile_direct<Rs + 1>...}; };
template <int... Rs>
constexpr GemmDirectFn GemmDirectTiles<Rs...>::table[sizeof...(Rs)];
template <int... I>
constexpr const GemmDirectFn* gemm_direct_table(std::integer_sequence<int, I...>) { return GemmDirectTiles<I...>::table; }
const GemmDirectFn* const kGemmDirect = gemm_direct_table(std::make_integer_sequence<int, MR>{});

typedef void (*GemmTileFn)(const float*, const float*, int64_t, float*, int64_t, int64_t, bool);
template <int... Rs>
struct GemmTiles { static constexpr GemmTileFn table[sizeof...(Rs)] = {&gemm_tile<Rs + 1>...}; };
template <int... Rs>
constexpr GemmTileFn GemmTiles<Rs...>::table[sizeof...(Rs)];
template <int... I>
constexpr const GemmTileFn* gemm_table(std::integer_sequence<int, I...>) { return GemmTiles<I...>::table; }
const GemmTileFn* const kGemmTile = gemm_table(std::make_integer_sequence<int, MR>{});

/**
 * C (+)= alpha · op(A) · op(B) with leading dimensions lda, ldb, ldc (row-major; `addToC` keeps C's values).
 * `lower`: only the register tiles that reach the diagonal or below it (j ≤ i for some element) are computed, about
 * half the work when C is symmetric (op(B) = op(A)ᵀ); elements above the diagonal are left unspecified (tiles
 * straddling it write some of them).
 */
void gemm_strided(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, int64_t m, int64_t n, int64_t k,
                  bool transA, bool transB, float alpha, bool addToC, std::vector<float>& bpack, std::vector<std::vector<float>>& apacks,
                  bool lower = false) {
  const int64_t nb = (n + NR - 1) / NR;
  if (k == 0) {
    if (!addToC)
      for (int64_t i = 0; i < m; i++) std::memset(C + i * ldc, 0, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  for (int64_t pc = 0; pc < k; pc += KC) {
    const int64_t kc = std::min(KC, k - pc);
    bpack.assign(static_cast<size_t>(nb * kc * NR), 0.f);
    float* bp = bpack.data();
#pragma omp parallel for schedule(static) if (kc * n >= kParallelMin)
    for (int64_t jb = 0; jb < nb; jb++) {
      const int64_t j0 = jb * NR, jn = std::min<int64_t>(NR, n - j0);
      float* dst = bp + jb * kc * NR;
      for (int64_t kk = 0; kk < kc; kk++)
        for (int64_t j = 0; j < jn; j++)
          dst[kk * NR + j] = transB ? B[(j0 + j) * ldb + pc + kk] : B[(pc + kk) * ldb + j0 + j];
    }
    const int64_t mcs = (m + MC - 1) / MC;
    const bool accumulate = pc > 0 || addToC;
    // tasks: row blocks × column groups (few row blocks, e.g. 96 rows against 4096 columns: split the columns)
    const int64_t T = omp_get_max_threads();
    const int64_t groups = std::min<int64_t>(nb, std::max<int64_t>(1, (2 * T + mcs - 1) / mcs));
    const int64_t tasks = mcs * groups;
    if (n <= 4 * NR) {
      // few columns: packing A (m·k copies) would cost as much as the products; read it in place
      const int64_t sr = transA ? 1 : lda, sk = transA ? lda : 1;
      const int64_t panels = (m + MR - 1) / MR;
#pragma omp parallel for schedule(static) if (m * n * kc >= kParallelWork)
      for (int64_t ip = 0; ip < panels; ip++) {
        const int64_t i0 = ip * MR;
        const int R = static_cast<int>(std::min<int64_t>(MR, m - i0));
        const float* a = A + i0 * sr + pc * sk;
        for (int64_t jb = 0; jb < nb; jb++) {
          const int64_t j0 = jb * NR, jn = std::min<int64_t>(NR, n - j0);
          if (lower && j0 > i0 + R - 1) break;  // the tile and those right of it are above the diagonal
          kGemmDirect[R - 1](a, sr, sk, bp + jb * kc * NR, kc, alpha, C + i0 * ldc + j0, ldc, jn, accumulate);
        }
      }
      continue;
    }
#pragma omp parallel if (m * n * kc >= kParallelWork)
    {
      std::vector<float>& ap = apacks[omp_get_thread_num()];
      ap.resize(static_cast<size_t>(MC * kc));
#pragma omp for schedule(dynamic)
      for (int64_t task = 0; task < tasks; task++) {
        // lower: row block ic needs the column panels up to its last row; the longest (bottom) blocks go first
        const int64_t ic = lower ? mcs - 1 - task / groups : task / groups, grp = task % groups;
        const int64_t i0 = ic * MC, mc = std::min(MC, m - i0);
        const int64_t nbi = lower ? std::min(nb, (i0 + mc + NR - 1) / NR) : nb;
        const int64_t jb0 = nbi * grp / groups, jb1 = nbi * (grp + 1) / groups;
        if (jb0 == jb1) continue;
        const int64_t mpan = (mc + MR - 1) / MR;
        for (int64_t ip = 0; ip < mpan; ip++) {
          float* dst = ap.data() + ip * kc * MR;
          const int64_t rn = std::min<int64_t>(MR, mc - ip * MR);
          for (int64_t kk = 0; kk < kc; kk++)
            for (int64_t r = 0; r < MR; r++) {
              const int64_t i = i0 + ip * MR + r;
              dst[kk * MR + r] = r < rn ? alpha * (transA ? A[(pc + kk) * lda + i] : A[i * lda + pc + kk]) : 0.f;
            }
        }
        for (int64_t jb = jb0; jb < jb1; jb++) {
          const int64_t j0 = jb * NR, jn = std::min<int64_t>(NR, n - j0);
          // lower: row panels ending above row j0 are skipped (j0 < i0 + mc here, so the start is < mpan)
          for (int64_t ip = lower && j0 > i0 ? (j0 - i0) / MR : 0; ip < mpan; ip++) {
            const int R = static_cast<int>(std::min<int64_t>(MR, mc - ip * MR));
            kGemmTile[R - 1](ap.data() + ip * kc * MR, bp + jb * kc * NR, kc, C + (i0 + ip * MR) * ldc + j0, ldc, jn, accumulate);
          }
        }
      }
    }
  }
}

void gemm_one(const float* A, const float* B, float* C, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
              std::vector<float>& bpack, std::vector<std::vector<float>>& apacks, bool lower = false) {
  gemm_strided(A, transA ? m : k, B, transB ? k : n, C, n, m, n, k, transA, transB, 1.f, false, bpack, apacks, lower);
}

/** C[i,j] = C[j,i] for j > i: the upper triangle of C `[m,m]` from its lower one (blocks of 64×64, threads). */
void mirror_lower(float* C, int64_t m) {
  constexpr int64_t B = 64;
  const int64_t blocks = (m + B - 1) / B;
#pragma omp parallel for schedule(dynamic) if (m * m >= kParallelMin)
  for (int64_t bi = 0; bi < blocks; bi++)
    for (int64_t bj = bi; bj < blocks; bj++) {
      const int64_t i1 = std::min(m, (bi + 1) * B), j1 = std::min(m, (bj + 1) * B);
      for (int64_t i = bi * B; i < i1; i++) {
        float* row = C + i * m;
        for (int64_t j = std::max(i + 1, bj * B); j < j1; j++) row[j] = C[j * m + i];
      }
    }
}

/**
 * Few rows of A (m < MR/2, e.g. the per-channel sums `ones[1,n] · x[n,c]` of batch-norm): the packed path would
 * pad A to MR rows and run on one thread. Rows of B are streamed once, split between threads along k, with
 * float partials over blocks of 256 k and double totals.
 */
void gemm_small_m(const float* A, const float* B, float* C, int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
  const auto a_at = [&](int64_t i, int64_t kk) { return transA ? A[kk * m + i] : A[i * k + kk]; };
  if (transB) {  // C[i,j] = A(i,:) · B[j,:], B's rows contiguous
#pragma omp parallel for schedule(static) if (m * n * k >= kParallelWork)
    for (int64_t j = 0; j < n; j++)
      for (int64_t i = 0; i < m; i++) {
        const float* b = B + j * k;
        double total = 0;
        for (int64_t k0 = 0; k0 < k; k0 += 256) {
          const int64_t k1 = std::min(k, k0 + 256);
          float s = 0;
          for (int64_t kk = k0; kk < k1; kk++) s += a_at(i, kk) * b[kk];
          total += s;
        }
        C[i * n + j] = static_cast<float>(total);
      }
    return;
  }
  const int T = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(T * m * n), 0.0);
#pragma omp parallel num_threads(T) if (m * n * k >= kParallelWork)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t ka = k * t / nt, kb = k * (t + 1) / nt;
    double* tot = partial.data() + static_cast<int64_t>(t) * m * n;
    std::vector<float> blk(static_cast<size_t>(m * n));
    for (int64_t k0 = ka; k0 < kb; k0 += 256) {
      const int64_t k1 = std::min(kb, k0 + 256);
      std::fill(blk.begin(), blk.end(), 0.f);
      for (int64_t kk = k0; kk < k1; kk++) {
        const float* b = B + kk * n;
        for (int64_t i = 0; i < m; i++) {
          const float av = a_at(i, kk);
          float* c = blk.data() + i * n;
          int64_t j = 0;
          const vf avv = splat(av);
          for (; j + VL <= n; j += VL) storeu(c + j, loadu(c + j) + avv * loadu(b + j));
          for (; j < n; j++) c[j] += av * b[j];
        }
      }
      for (int64_t q = 0; q < m * n; q++) tot[q] += blk[static_cast<size_t>(q)];
    }
  }
  for (int64_t q = 0; q < m * n; q++) {
    double s = 0;
    for (int t = 0; t < T; t++) s += partial[static_cast<size_t>(t * m * n + q)];
    C[q] = static_cast<float>(s);
  }
}

}  // namespace

void batch_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA,
                  bool transB, int64_t strideA, int64_t strideB) {
  std::vector<float> bpack;
  std::vector<std::vector<float>> apacks(static_cast<size_t>(omp_get_max_threads()));
  if (m < MR / 2) {
    for (int64_t bi = 0; bi < batch; bi++) gemm_small_m(a + bi * strideA, b + bi * strideB, c + bi * m * n, m, n, k, transA, transB);
    return;
  }
  // the same matrix on both sides, transposed on one: a Gram matrix A·Aᵀ or Aᵀ·A, symmetric. Only the tiles on and
  // below the diagonal are computed (the general path's arithmetic, so the same values), then mirrored.
  const bool gram = a == b && strideA == strideB && transA != transB && m == n;
  for (int64_t bi = 0; bi < batch; bi++) {
    float* cb = c + bi * m * n;
    gemm_one(a + bi * strideA, b + bi * strideB, cb, m, n, k, transA, transB, bpack, apacks, gram);
    if (gram) mirror_lower(cb, m);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reductions

namespace {

typedef double vd __attribute__((vector_size(VL * 8)));

/** acc[0:inner] += Σ_{r in [r0,r1)} x[r·inner + i], accumulated in double (the reduction is memory-bound). */
void sum_rows(const float* x, int64_t r0, int64_t r1, int64_t inner, double* acc) {
  constexpr int IV = 4;  // float vectors of inner columns per register block
  constexpr int64_t IC = IV * VL;
  for (int64_t i0 = 0; i0 < inner; i0 += IC) {
    const int64_t ic = std::min(IC, inner - i0);
    if (ic == IC) {
      vd v[IV];
      for (int j = 0; j < IV; j++) v[j] = vd{};
      for (int64_t r = r0; r < r1; r++) {
        const float* p = x + r * inner + i0;
        for (int j = 0; j < IV; j++) v[j] += __builtin_convertvector(loadu(p + j * VL), vd);
      }
      alignas(64) double t[IC];
      for (int j = 0; j < IV; j++) __builtin_memcpy(t + j * VL, &v[j], sizeof(vd));
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

// ---------------------------------------------------------------------------------------------------------
// Symmetric positive definite solve A X = B (blocked Cholesky; the big updates are the matrix product above)

namespace {
/**
 * Rows [k0, k0+kb) of X `[n,m]` ← L_bb⁻¹ X_b (or L_bbᵀ⁻¹ X_b when `upper`), L_bb the diagonal block of L `[n,n]`;
 * columns split into chunks between threads.
 */
void tri_solve_block(const float* L, int64_t n, float* X, int64_t m, int64_t k0, int64_t kb, bool upper) {
#pragma omp parallel for schedule(static) if (kb * kb * m >= kParallelWork)
  for (int64_t j0 = 0; j0 < m; j0 += 256) {
    const int64_t j1 = std::min(m, j0 + 256);
    for (int64_t s = 0; s < kb; s++) {
      const int64_t i = upper ? kb - 1 - s : s;
      float* xi = X + (k0 + i) * m;
      const int64_t p0 = upper ? i + 1 : 0, p1 = upper ? kb : i;
      for (int64_t p = p0; p < p1; p++) {
        const float l = upper ? L[(k0 + p) * n + k0 + i] : L[(k0 + i) * n + k0 + p];
        const float* xp = X + (k0 + p) * m;
        for (int64_t j = j0; j < j1; j++) xi[j] -= l * xp[j];
      }
      const float inv = 1.f / L[(k0 + i) * n + k0 + i];
      for (int64_t j = j0; j < j1; j++) xi[j] *= inv;
    }
  }
}
}  // namespace

int spd_solve(const float* A, const float* B, float* X, int64_t n, int64_t m) {
  constexpr int64_t nb = 96;
  std::vector<float> L(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j <= i; j++) L[static_cast<size_t>(i * n + j)] = A[i * n + j];  // lower triangle of A
  std::vector<float> bpack;
  std::vector<std::vector<float>> apacks(static_cast<size_t>(omp_get_max_threads()));
  std::vector<double> d(static_cast<size_t>(nb * nb));
  for (int64_t k0 = 0; k0 < n; k0 += nb) {
    const int64_t kb = std::min(nb, n - k0), k1 = k0 + kb;
    // diagonal block (already updated), in double
    for (int64_t i = 0; i < kb; i++)
      for (int64_t j = 0; j <= i; j++) d[static_cast<size_t>(i * kb + j)] = L[static_cast<size_t>((k0 + i) * n + k0 + j)];
    for (int64_t j = 0; j < kb; j++) {
      double s = d[static_cast<size_t>(j * kb + j)];
      for (int64_t p = 0; p < j; p++) s -= d[static_cast<size_t>(j * kb + p)] * d[static_cast<size_t>(j * kb + p)];
      if (!(s > 0)) return static_cast<int>(k0 + j) + 1;  // not positive definite: 1-based pivot
      const double ljj = std::sqrt(s);
      d[static_cast<size_t>(j * kb + j)] = ljj;
      for (int64_t i = j + 1; i < kb; i++) {
        double t = d[static_cast<size_t>(i * kb + j)];
        for (int64_t p = 0; p < j; p++) t -= d[static_cast<size_t>(i * kb + p)] * d[static_cast<size_t>(j * kb + p)];
        d[static_cast<size_t>(i * kb + j)] = t / ljj;
      }
    }
    for (int64_t i = 0; i < kb; i++)
      for (int64_t j = 0; j < kb; j++) L[static_cast<size_t>((k0 + i) * n + k0 + j)] = j <= i ? static_cast<float>(d[static_cast<size_t>(i * kb + j)]) : 0.f;
    if (k1 >= n) break;
    // panel: L21 = A21 · L11⁻ᵀ as one product with the inverse of the (small, double) diagonal factor
    std::vector<double> inv(static_cast<size_t>(kb * kb), 0.0);
    for (int64_t j = 0; j < kb; j++) {
      inv[static_cast<size_t>(j * kb + j)] = 1.0 / d[static_cast<size_t>(j * kb + j)];
      for (int64_t i = j + 1; i < kb; i++) {
        double t = 0;
        for (int64_t p = j; p < i; p++) t += d[static_cast<size_t>(i * kb + p)] * inv[static_cast<size_t>(p * kb + j)];
        inv[static_cast<size_t>(i * kb + j)] = -t / d[static_cast<size_t>(i * kb + i)];
      }
    }
    std::vector<float> invf(inv.begin(), inv.end());
    const int64_t rows = n - k1;
    std::vector<float> a21(static_cast<size_t>(rows * kb));
    for (int64_t i = 0; i < rows; i++) std::memcpy(a21.data() + i * kb, L.data() + (k1 + i) * n + k0, static_cast<size_t>(kb) * sizeof(float));
    gemm_strided(a21.data(), kb, invf.data(), kb, L.data() + k1 * n + k0, n, rows, kb, kb, false, true, 1.f, false, bpack, apacks);
    // trailing update: A22 −= L21 · L21ᵀ, only the tiles reaching its lower triangle (the only part read later)
    const float* L21 = L.data() + k1 * n + k0;
    gemm_strided(L21, n, L21, n, L.data() + k1 * n + k1, n, n - k1, n - k1, kb, false, true, -1.f, true, bpack, apacks, true);
  }
  // forward: L Y = B (Y in X), right-looking: solve block i, then X_{>i} −= L_{>i,i} · Y_i (one product with many rows)
  std::memcpy(X, B, static_cast<size_t>(n * m) * sizeof(float));
  for (int64_t k0 = 0; k0 < n; k0 += nb) {
    const int64_t kb = std::min(nb, n - k0), k1 = k0 + kb;
    tri_solve_block(L.data(), n, X, m, k0, kb, false);
    if (k1 < n) gemm_strided(L.data() + k1 * n + k0, n, X + k0 * m, m, X + k1 * m, m, n - k1, m, kb, false, false, -1.f, true, bpack, apacks);
  }
  // backward: Lᵀ X = Y from the bottom: solve block i, then X_{<i} −= L_{i,<i}ᵀ · X_i
  for (int64_t k0 = ((n - 1) / nb) * nb; k0 >= 0; k0 -= nb) {
    const int64_t kb = std::min(nb, n - k0);
    tri_solve_block(L.data(), n, X, m, k0, kb, true);
    if (k0 > 0) gemm_strided(L.data() + k0 * n, n, X + k0 * m, m, X, m, k0, m, kb, true, false, -1.f, true, bpack, apacks);
  }
  return 0;
}

int max_threads() { return omp_get_max_threads(); }
void set_threads(int n) { omp_set_num_threads(std::max(1, n)); }
const char* simd_name() { return kSimd; }

}  // namespace sal
