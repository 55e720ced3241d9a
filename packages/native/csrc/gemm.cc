// Matrix products (see kernels.h for the contracts): A and B packed into MR/NR panels (GotoBLAS order), Gram
// matrices computed as one triangle, few-row products split along k; and the blocked Cholesky solve built on them.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
// ---------------------------------------------------------------------------------------------------------
// Matrix products

namespace {

// Depth of one packed block (the A block MC×KC takes 192 KiB, a B panel KC×NR 128 KiB with AVX-512: both fit a
// 512 KiB L2). Fixed, not tuned to the running CPU: the blocking sets the order of the float sums, so a product
// gives the same bits on every machine with the same instruction set. Measured (2000³, 2 threads, AVX-512):
// KC 256 / MC 96 → 1024 / 48 took 48.3–49.4 → 39.6–42.0 ms (the imbalance at the end of each k block's parallel
// loop, and the C tiles' reloads, paid 4× less often).
constexpr int64_t KC = 1024;
constexpr int64_t MC = 48;  // multiple of MR (12, 6, 4 all divide 48)

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
                  bool transA, bool transB, float alpha, bool addToC, LargeFloats& bpack, std::vector<std::vector<float>>& apacks,
                  bool lower = false) {
  const int64_t nb = (n + NR - 1) / NR;
  if (k == 0) {
    if (!addToC)
      for (int64_t i = 0; i < m; i++) std::memset(C + i * ldc, 0, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  // k in blocks of equal depth ≤ KC (same for every machine, so still the same bits everywhere): a short last block
  // costs a whole pass over C and a packing of B for little work. The SPD solve's largest backward product
  // (960 × 1040 · 1040 × 4096, k = 1024 + 16 before) took 36.8 → 24.6 ms; the whole solve (medians of 9 calls, 5
  // interleaved runs, middle run) 162 → 154 ms.
  const int64_t kblocks = (k + KC - 1) / KC, kstep = (k + kblocks - 1) / kblocks;
  for (int64_t pc = 0; pc < k; pc += kstep) {
    const int64_t kc = std::min(kstep, k - pc);
    // every element of the panels is written here (the padding columns with zeros): the buffer is only grown, never filled
    if (bpack.size() < static_cast<size_t>(nb * kc * NR)) bpack.resize(static_cast<size_t>(nb * kc * NR));
    float* bp = bpack.data();
#pragma omp parallel for schedule(static) if (kc * n >= kParallelMin)
    for (int64_t jb = 0; jb < nb; jb++) {
      const int64_t j0 = jb * NR, jn = std::min<int64_t>(NR, n - j0);
      float* dst = bp + jb * kc * NR;
      if (!transB && jn == NR) {
        for (int64_t kk = 0; kk < kc; kk++) {
          const float* src = B + (pc + kk) * ldb + j0;
          storeu(dst + kk * NR, loadu(src));
          storeu(dst + kk * NR + VL, loadu(src + VL));
        }
        continue;
      }
      for (int64_t kk = 0; kk < kc; kk++) {
        for (int64_t j = 0; j < jn; j++) dst[kk * NR + j] = transB ? B[(j0 + j) * ldb + pc + kk] : B[(pc + kk) * ldb + j0 + j];
        for (int64_t j = jn; j < NR; j++) dst[kk * NR + j] = 0.f;
      }
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

/**
 * Work buffers kept between calls on the calling thread: the packed panels of op(B), and the SPD solve's factor. A fresh
 * buffer cost a fill and its page faults in every product (in the SPD solve, 2000 × 4096: 8–19 ms of ~150 in the
 * fills alone, and ~540 page faults in every other call). They grow to the largest call seen (16 MB each for that solve)
 * and are released when the thread ends.
 */
LargeFloats& kept_panels() {
  thread_local LargeFloats buf;
  return buf;
}
LargeFloats& kept_factor() {
  thread_local LargeFloats buf;
  return buf;
}

void gemm_one(const float* A, const float* B, float* C, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
              LargeFloats& bpack, std::vector<std::vector<float>>& apacks, bool lower = false) {
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
  LargeFloats& bpack = kept_panels();
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
// Symmetric positive definite solve A X = B (blocked Cholesky; the big updates are the matrix product above)

namespace {
/** Σ a[i]·b[i] for i < len, in double with VD-wide partial sums (the diagonal blocks' dot products). */
double dotd(const double* a, const double* b, int64_t len) {
  vd s0{}, s1{};
  int64_t i = 0;
  for (; i + 2 * VD <= len; i += 2 * VD) {
    s0 += loadu(a + i) * loadu(b + i);
    s1 += loadu(a + i + VD) * loadu(b + i + VD);
  }
  double s = hsum(s0 + s1);
  for (; i < len; i++) s += a[i] * b[i];
  return s;
}

/** y[0:len] += alpha·x[0:len] in double. */
void axpyd(double* y, const double* x, double alpha, int64_t len) {
  const vd av = splat(alpha);
  int64_t i = 0;
  for (; i + VD <= len; i += VD) storeu(y + i, loadu(y + i) + av * loadu(x + i));
  for (; i < len; i++) y[i] += alpha * x[i];
}

/** Block size of the SPD solve's factorisation and substitutions. */
constexpr int64_t kSpdBlock = 192;  // 2000 × 4096, one thread: 96 → 192 took 321 → 286 ms (256: 308)
}  // namespace

int spd_solve(const float* A, const float* B, float* X, int64_t n, int64_t m) {
  constexpr int64_t nb = kSpdBlock;
  const int64_t nblocks = (n + nb - 1) / nb;
  LargeFloats& L = kept_factor();
  if (L.size() < static_cast<size_t>(n * n)) L.resize(static_cast<size_t>(n * n));
  // the lower triangle of A, zeros above it (every element written: the kept buffer holds the last call's factor)
#pragma omp parallel for schedule(static) if (n * n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    float* row = L.data() + i * n;
    std::memcpy(row, A + i * n, static_cast<size_t>(i + 1) * sizeof(float));
    std::memset(row + i + 1, 0, static_cast<size_t>(n - i - 1) * sizeof(float));
  }
  LargeFloats& bpack = kept_panels();
  std::vector<std::vector<float>> apacks(static_cast<size_t>(omp_get_max_threads()));
  std::vector<double> d(static_cast<size_t>(nb * nb));
  // the inverses of the diagonal factors L_bb (computed in double, kept as float `[kb,kb]` per block): the panel
  // products and both block substitutions run as matrix products with them
  LargeFloats dinv(static_cast<size_t>(nblocks * nb * nb), 0.f);
  for (int64_t k0 = 0; k0 < n; k0 += nb) {
    const int64_t kb = std::min(nb, n - k0), k1 = k0 + kb;
    // diagonal block (already updated), in double
    for (int64_t i = 0; i < kb; i++)
      for (int64_t j = 0; j <= i; j++) d[static_cast<size_t>(i * kb + j)] = L[static_cast<size_t>((k0 + i) * n + k0 + j)];
    // rows are contiguous: every inner loop is a dot product or an axpy over a row prefix (vectorised, in double)
    for (int64_t j = 0; j < kb; j++) {
      const double* dj = d.data() + j * kb;
      const double s = dj[j] - dotd(dj, dj, j);
      if (!(s > 0)) return static_cast<int>(k0 + j) + 1;  // not positive definite: 1-based pivot
      const double ljj = std::sqrt(s);
      d[static_cast<size_t>(j * kb + j)] = ljj;
      for (int64_t i = j + 1; i < kb; i++) {
        double* di = d.data() + i * kb;
        di[j] = (di[j] - dotd(di, dj, j)) / ljj;
      }
    }
    for (int64_t i = 0; i < kb; i++)
      for (int64_t j = 0; j < kb; j++) L[static_cast<size_t>((k0 + i) * n + k0 + j)] = j <= i ? static_cast<float>(d[static_cast<size_t>(i * kb + j)]) : 0.f;
    // inverse of the factor row by row: inv[i, 0:i] = −(Σ_{p<i} d[i,p]·inv[p, 0:p+1]) / d[i,i], inv[i,i] = 1/d[i,i]
    std::vector<double> inv(static_cast<size_t>(kb * kb), 0.0);
    for (int64_t i = 0; i < kb; i++) {
      const double* di = d.data() + i * kb;
      double* ri = inv.data() + i * kb;
      for (int64_t p = 0; p < i; p++) axpyd(ri, inv.data() + p * kb, di[p], p + 1);
      const double r = 1.0 / di[i];
      for (int64_t j = 0; j < i; j++) ri[j] *= -r;
      ri[i] = r;
    }
    float* invf = dinv.data() + (k0 / nb) * nb * nb;
    std::copy(inv.begin(), inv.end(), invf);
    if (k1 >= n) break;
    // panel: L21 = A21 · L11⁻ᵀ as one product with the inverse of the (small, double) diagonal factor
    const int64_t rows = n - k1;
    LargeFloats a21(static_cast<size_t>(rows * kb));
    for (int64_t i = 0; i < rows; i++) std::memcpy(a21.data() + i * kb, L.data() + (k1 + i) * n + k0, static_cast<size_t>(kb) * sizeof(float));
    gemm_strided(a21.data(), kb, invf, kb, L.data() + k1 * n + k0, n, rows, kb, kb, false, true, 1.f, false, bpack, apacks);
    // trailing update: A22 −= L21 · L21ᵀ, only the tiles reaching its lower triangle (the only part read later)
    const float* L21 = L.data() + k1 * n + k0;
    gemm_strided(L21, n, L21, n, L.data() + k1 * n + k1, n, n - k1, n - k1, kb, false, true, -1.f, true, bpack, apacks, true);
  }
  // X_b ← L_bb⁻¹·X_b (or L_bb⁻ᵀ·X_b) for the rows of block b of X, in place: the product packs all of op(B) (k = kb ≤
  // KC, one k block) before it writes C. (Skipping the inverse's zero triangle halved the work but not the time, 1.2–1.7
  // ms per block either way: packing and C's writes dominate.)
  static_assert(kSpdBlock <= KC, "the in-place block solve needs op(B) packed in one k block");
  const auto block_solve = [&](int64_t b, bool upper) {
    const int64_t k0 = b * nb, kb = std::min(nb, n - k0);
    gemm_strided(dinv.data() + b * nb * nb, kb, X + k0 * m, m, X + k0 * m, m, kb, m, kb, upper, false, 1.f, false, bpack, apacks);
  };
  // Both substitutions are recursive over the blocks [b0, b1): solve the first half, update the second with one
  // product, solve the second half (backward: the other way round). Most of the work is then in a few products with a
  // deep k (~n/2, n/4, …) instead of one per block with k = nb, each of which read and wrote all of X's remaining rows.
  // With the in-place block solves and huge-page buffers, the whole solve of 2000 × 4096 (2 threads,
  // AVX-512, 4 interleaved runs) took 134–190 → 131–161 ms; the substitutions' products with k = nb had run at
  // ~230 GFLOP/s, the deep ones run at 300–336.
  // forward (L Y = B, Y in X): the first half, then X[rm:r1] −= L[rm:r1, r0:rm] · Y[r0:rm], then the second half;
  // backward (Lᵀ X = Y): the second half, then X[r0:rm] −= L[rm:r1, r0:rm]ᵀ · X[rm:r1], then the first half
  const auto substitute = [&](auto&& self, int64_t b0, int64_t b1, bool backward) -> void {
    if (b1 - b0 == 1) return block_solve(b0, backward);
    const int64_t bm = (b0 + b1) / 2, r0 = b0 * nb, rm = bm * nb, r1 = std::min(n, b1 * nb);
    self(self, backward ? bm : b0, backward ? b1 : bm, backward);
    const float* L21 = L.data() + rm * n + r0;
    if (backward) gemm_strided(L21, n, X + rm * m, m, X + r0 * m, m, rm - r0, m, r1 - rm, true, false, -1.f, true, bpack, apacks);
    else gemm_strided(L21, n, X + r0 * m, m, X + rm * m, m, r1 - rm, m, rm - r0, false, false, -1.f, true, bpack, apacks);
    self(self, backward ? b0 : bm, backward ? bm : b1, backward);
  };
  std::memcpy(X, B, static_cast<size_t>(n * m) * sizeof(float));
  substitute(substitute, 0, nblocks, false);
  substitute(substitute, 0, nblocks, true);
  return 0;
}
}  // namespace sal
