// Float64 symmetric eigendecomposition for @sal/native (see kernels.h for the contract): LAPACK dsyev's route.
//
// The row-major input is read as a column-major matrix (A is symmetric, so the row-major upper triangle is the
// column-major lower triangle; everything below is column-major, A(i,j) = a[j·n + i]).
//  1. Blocked Householder tridiagonalisation Qᵀ A Q = T (LAPACK dsytrd/dlatrd, lower): per column one symmetric
//     matrix-vector product with the trailing block (threads), per panel of 32 columns one rank-64 update of the
//     trailing lower triangle (a packed float64 matrix product computing only tiles on or below the diagonal).
//  2. Q formed from the reflectors block by block (compact WY, dorgtr/dlarft): two matrix products per block.
//     Q in column-major order is Vᵀ's starting value in row-major order: row i of vt is column i of Q.
//  3. The implicit QL algorithm with shifts (EISPACK tql2) on T's diagonal and off-diagonal. Its plane rotations
//     are recorded and then applied to the rows of vt in chunks of 4 vectors of columns: a chunk (n rows × 4 cache
//     lines) stays in cache while thousands of rotations pass over it, and chunks are independent (threads).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
namespace {

constexpr int NRD = VD > 4 ? VD : 4;  // columns of a product micro-tile
constexpr int MRV = 3;              // vectors of rows of a product micro-tile
constexpr int MRD = MRV * VD;       // rows of a product micro-tile
constexpr int64_t KCD = 256;        // depth of a packed block
constexpr int64_t MCD = 8 * MRD;    // rows of a packed block of A
constexpr int64_t kTridiagBlock = 32;  // panel width of the tridiagonalisation
constexpr int64_t kQBlock = 32;        // reflectors per block when forming Q

/** Σ x[i]·y[i] (four vector accumulators: the additions' latency, not the loads, would bound one). */
double dot(const double* x, const double* y, int64_t n) {
  vd a0 = vd{}, a1 = vd{}, a2 = vd{}, a3 = vd{};
  int64_t i = 0;
  for (; i + 4 * VD <= n; i += 4 * VD) {
    a0 += loadu(x + i) * loadu(y + i);
    a1 += loadu(x + i + VD) * loadu(y + i + VD);
    a2 += loadu(x + i + 2 * VD) * loadu(y + i + 2 * VD);
    a3 += loadu(x + i + 3 * VD) * loadu(y + i + 3 * VD);
  }
  for (; i + VD <= n; i += VD) a0 += loadu(x + i) * loadu(y + i);
  double s = hsum((a0 + a1) + (a2 + a3));
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

/** y += alpha·x. */
void axpy(double* y, double alpha, const double* x, int64_t n) {
  const vd av = splat(alpha);
  int64_t i = 0;
  for (; i + VD <= n; i += VD) storeu(y + i, loadu(y + i) + av * loadu(x + i));
  for (; i < n; i++) y[i] += alpha * x[i];
}

void scal(double* x, double alpha, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

/** ‖x‖₂ without overflow or underflow of the squares (scaled by max |x_i| outside a safe range). */
double norm2(const double* x, int64_t n) {
  double amax = 0;
  for (int64_t i = 0; i < n; i++) amax = std::max(amax, std::fabs(x[i]));
  if (amax == 0) return 0;
  if (amax > 1e-140 && amax < 1e140) return std::sqrt(dot(x, x, n));
  double s = 0;
  for (int64_t i = 0; i < n; i++) {
    const double t = x[i] / amax;
    s += t * t;
  }
  return amax * std::sqrt(s);
}

// ---------------------------------------------------------------------------------------------------------
// Float64 matrix product (packed, GotoBLAS order, column-major C)

/** C[0:mr, 0:nr] += Σ_k ap[k][0:MRD] ⊗ bp[k][0:NRD] (C column-major, leading dimension ldc). */
void dkernel(const double* ap, const double* bp, int64_t kc, double* c, int64_t ldc, int64_t mr, int64_t nr) {
  vd acc[NRD][MRV];
  for (int j = 0; j < NRD; j++)
    for (int v = 0; v < MRV; v++) acc[j][v] = vd{};
  for (int64_t k = 0; k < kc; k++) {
    vd a[MRV];
    for (int v = 0; v < MRV; v++) a[v] = loadu(ap + k * MRD + v * VD);
    for (int j = 0; j < NRD; j++) {
      const vd b = splat(bp[k * NRD + j]);
      for (int v = 0; v < MRV; v++) acc[j][v] += a[v] * b;
    }
  }
  if (mr == MRD && nr == NRD) {
    for (int j = 0; j < NRD; j++)
      for (int v = 0; v < MRV; v++) storeu(c + j * ldc + v * VD, loadu(c + j * ldc + v * VD) + acc[j][v]);
    return;
  }
  alignas(64) double t[MRD];
  for (int64_t j = 0; j < nr; j++) {
    for (int v = 0; v < MRV; v++) storeu(t + v * VD, acc[j][v]);
    for (int64_t i = 0; i < mr; i++) c[j * ldc + i] += t[i];
  }
}

/**
 * C += alpha · A · B for C `[m,n]` column-major (leading dimension ldc), A(i,p) = a[i·ars + p·acs] `[m,k]`,
 * B(p,j) = b[p·brs + j·bcs] `[k,n]`. `lower`: only the micro-tiles with an element on or below the diagonal
 * (i ≥ j) are computed, about half of a square C; tiles straddling the diagonal also update some elements above it.
 */
void dgemm(int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
           int64_t bcs, double* c, int64_t ldc, bool lower) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const int64_t nb = (n + NRD - 1) / NRD;
  const bool par = m * n * k >= kParallelWork;
  const int64_t T = par ? omp_get_max_threads() : 1;
  const int64_t mcs = (m + MCD - 1) / MCD;
  // tasks: row blocks × column groups (few row blocks, e.g. 32 rows against 2000 columns: split the columns)
  const int64_t groups = std::min<int64_t>(nb, std::max<int64_t>(1, (2 * T + mcs - 1) / mcs));
  const int64_t tasks = mcs * groups;
  std::vector<double> bpack(static_cast<size_t>(nb * std::min(k, KCD) * NRD));
  for (int64_t pc = 0; pc < k; pc += KCD) {
    const int64_t kc = std::min(KCD, k - pc);
    double* bp = bpack.data();
#pragma omp parallel for schedule(static) if (par)
    for (int64_t jb = 0; jb < nb; jb++) {
      const int64_t j0 = jb * NRD, jn = std::min<int64_t>(NRD, n - j0);
      double* dst = bp + jb * kc * NRD;
      for (int64_t kk = 0; kk < kc; kk++) {
        const double* src = b + (pc + kk) * brs + j0 * bcs;
        for (int64_t j = 0; j < NRD; j++) dst[kk * NRD + j] = j < jn ? src[j * bcs] : 0.0;
      }
    }
#pragma omp parallel if (par)
    {
      std::vector<double> ap(static_cast<size_t>(MCD * kc));
#pragma omp for schedule(dynamic)
      for (int64_t task = 0; task < tasks; task++) {
        // lower: row block ic needs the column panels up to its last row; the longest (bottom) blocks go first
        const int64_t ic = lower ? mcs - 1 - task / groups : task / groups, grp = task % groups;
        const int64_t i0 = ic * MCD, mc = std::min(MCD, m - i0);
        const int64_t nbi = lower ? std::min(nb, (i0 + mc + NRD - 1) / NRD) : nb;
        const int64_t jb0 = nbi * grp / groups, jb1 = nbi * (grp + 1) / groups;
        if (jb0 == jb1) continue;
        const int64_t mpan = (mc + MRD - 1) / MRD;
        for (int64_t ip = 0; ip < mpan; ip++) {
          double* dst = ap.data() + ip * kc * MRD;
          const int64_t rn = std::min<int64_t>(MRD, mc - ip * MRD);
          const double* src = a + (i0 + ip * MRD) * ars + pc * acs;
          for (int64_t kk = 0; kk < kc; kk++)
            for (int64_t r = 0; r < MRD; r++) dst[kk * MRD + r] = r < rn ? alpha * src[r * ars + kk * acs] : 0.0;
        }
        for (int64_t jb = jb0; jb < jb1; jb++) {
          const int64_t j0 = jb * NRD, jn = std::min<int64_t>(NRD, n - j0);
          // lower: row panels ending above row j0 are skipped
          for (int64_t ip = lower && j0 > i0 ? (j0 - i0) / MRD : 0; ip < mpan; ip++) {
            const int64_t r0 = i0 + ip * MRD;
            dkernel(ap.data() + ip * kc * MRD, bp + jb * kc * NRD, kc, c + j0 * ldc + r0, ldc, std::min<int64_t>(MRD, m - r0), jn);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Householder tridiagonalisation

/** y[0:m] += A(c0:c1 columns)·x restricted to the lower triangle's columns [c0, c1) of A `[m,m]` (leading dimension lda). */
void symv_columns(const double* a, int64_t lda, int64_t m, int64_t c0, int64_t c1, const double* x, double* y) {
  for (int64_t j = c0; j < c1; j++) {
    const double* col = a + j * lda;
    const double xj = x[j];
    const vd xv = splat(xj);
    vd s0 = vd{}, s1 = vd{};
    int64_t i = j + 1;
    for (; i + 2 * VD <= m; i += 2 * VD) {
      const vd c0v = loadu(col + i), c1v = loadu(col + i + VD);
      s0 += c0v * loadu(x + i);
      s1 += c1v * loadu(x + i + VD);
      storeu(y + i, loadu(y + i) + xv * c0v);
      storeu(y + i + VD, loadu(y + i + VD) + xv * c1v);
    }
    double s = col[j] * xj + hsum(s0 + s1);
    for (; i < m; i++) {
      s += col[i] * x[i];
      y[i] += xj * col[i];
    }
    y[j] += s;
  }
}

/**
 * y = A·x for the symmetric A `[m,m]` of which the lower triangle is stored (column-major, leading dimension lda):
 * one pass over the triangle (each column gives a dot product and an axpy). Threads take column ranges of equal
 * area with their own y, summed at the end.
 */
void symv_lower(const double* a, int64_t lda, int64_t m, const double* x, double* y, std::vector<double>& scratch) {
  const int T = m * m / 2 >= kParallelMin ? omp_get_max_threads() : 1;
  if (T == 1) {
    std::fill(y, y + m, 0.0);
    symv_columns(a, lda, m, 0, m, x, y);
    return;
  }
  scratch.assign(static_cast<size_t>(T * m), 0.0);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    // columns [0, c) of the triangle hold m·c − c²/2 elements: split the area m²/2 evenly
    const auto split = [&](int q) {
      return q >= nt ? m : static_cast<int64_t>(static_cast<double>(m) * (1.0 - std::sqrt(1.0 - static_cast<double>(q) / nt)));
    };
    symv_columns(a, lda, m, split(t), split(t + 1), x, scratch.data() + static_cast<int64_t>(t) * m);
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t i = 0; i < m; i++) {
      double s = 0;
      for (int q = 0; q < nt; q++) s += scratch[static_cast<size_t>(q * m + i)];
      y[i] = s;
    }
  }
}

/**
 * LAPACK dlarfg: the reflector H = I − τ·v·vᵀ (v[0] = 1) with H·x = β·e₁ for x = x[0:len]. On return x[0] = β and
 * x[1:len] holds v[1:len]; returns τ (0 when x[1:len] = 0: H = I).
 */
double householder(double* x, int64_t len) {
  if (len <= 1) return 0.0;
  double alpha = x[0];
  double xnorm = norm2(x + 1, len - 1);
  if (xnorm == 0) return 0.0;
  double beta = -std::copysign(std::hypot(alpha, xnorm), alpha);
  const double safmin = std::numeric_limits<double>::min() / std::numeric_limits<double>::epsilon();
  int knt = 0;
  if (std::fabs(beta) < safmin) {
    // β may be inaccurate: scale x up until it is not (at most 20 times)
    const double rsafmn = 1.0 / safmin;
    do {
      knt++;
      scal(x + 1, rsafmn, len - 1);
      beta *= rsafmn;
      alpha *= rsafmn;
    } while (std::fabs(beta) < safmin && knt < 20);
    xnorm = norm2(x + 1, len - 1);
    beta = -std::copysign(std::hypot(alpha, xnorm), alpha);
  }
  const double tau = (beta - alpha) / beta;
  scal(x + 1, 1.0 / (alpha - beta), len - 1);
  for (int j = 0; j < knt; j++) beta *= safmin;
  x[0] = beta;
  return tau;
}

/**
 * Qᵀ·A·Q = T for the symmetric A `[n,n]` in w (lower triangle, column-major; overwritten): T's diagonal in d `[n]`,
 * its off-diagonal in e `[n−1]`, the reflectors H(i) = I − tau[i]·v·vᵀ (v(i+1) = 1, v(i+2:n) in column i of w below
 * row i+1) with Q = H(0)·…·H(n−2). LAPACK dsytrd with dlatrd panels.
 */
void tridiagonalize(double* w, int64_t n, double* d, double* e, double* tau) {
  const int64_t NB = kTridiagBlock;
  std::vector<double> W(static_cast<size_t>(n * NB)), X, Y, scratch;
  double tv[kTridiagBlock];
  for (int64_t j0 = 0; j0 < n; j0 += NB) {
    const int64_t nbk = std::min(NB, n - j0);
    for (int64_t i = 0; i < nbk; i++) {
      const int64_t c = j0 + i;
      double* ac = w + c * n;
      // A(c:n, c) −= V(c:n, 0:i)·W(c, 0:i)ᵀ + W(c:n, 0:i)·V(c, 0:i)ᵀ (the panel's earlier reflectors)
      for (int64_t p = 0; p < i; p++) {
        const double* vp = w + (j0 + p) * n;
        const double* wp = W.data() + p * n;
        axpy(ac + c, -wp[c], vp + c, n - c);
        axpy(ac + c, -vp[c], wp + c, n - c);
      }
      d[c] = ac[c];
      if (c == n - 1) break;
      const int64_t m = n - c - 1;
      double* v = ac + c + 1;
      tau[c] = householder(v, m);
      e[c] = v[0];
      v[0] = 1.0;
      // W(c+1:n, i) = τ·(A22·v − V·(Wᵀv) − W·(Vᵀv)), then −= ½τ·(wᵀv)·v (A22 as it was before this panel)
      double* wi = W.data() + i * n + c + 1;
      symv_lower(w + (c + 1) * n + c + 1, n, m, v, wi, scratch);
      for (int64_t p = 0; p < i; p++) tv[p] = dot(W.data() + p * n + c + 1, v, m);
      for (int64_t p = 0; p < i; p++) axpy(wi, -tv[p], w + (j0 + p) * n + c + 1, m);
      for (int64_t p = 0; p < i; p++) tv[p] = dot(w + (j0 + p) * n + c + 1, v, m);
      for (int64_t p = 0; p < i; p++) axpy(wi, -tv[p], W.data() + p * n + c + 1, m);
      scal(wi, tau[c], m);
      axpy(wi, -0.5 * tau[c] * dot(wi, v, m), v, m);
    }
    const int64_t j1 = j0 + nbk;
    if (j1 >= n) break;
    // A(j1:n, j1:n) −= V·Wᵀ + W·Vᵀ as one product of depth 2·nbk: [V W]·[W V]ᵀ, lower triangle only
    const int64_t m = n - j1, k2 = 2 * nbk;
    X.resize(static_cast<size_t>(m * k2));
    Y.resize(static_cast<size_t>(m * k2));
    for (int64_t p = 0; p < nbk; p++) {
      std::memcpy(X.data() + p * m, w + (j0 + p) * n + j1, static_cast<size_t>(m) * sizeof(double));
      std::memcpy(X.data() + (nbk + p) * m, W.data() + p * n + j1, static_cast<size_t>(m) * sizeof(double));
    }
    std::memcpy(Y.data(), X.data() + nbk * m, static_cast<size_t>(nbk * m) * sizeof(double));
    std::memcpy(Y.data() + nbk * m, X.data(), static_cast<size_t>(nbk * m) * sizeof(double));
    dgemm(m, m, k2, -1.0, X.data(), 1, m, Y.data(), m, 1, w + j1 * n + j1, n, true);
  }
}

/**
 * Q = H(0)·…·H(n−2) `[n,n]` column-major into q from tridiagonalize's reflectors (LAPACK dorgtr): blocks of
 * reflectors from the last, each applied as I − V·T·Vᵀ (dlarft) to the part of Q it changes.
 */
void form_q(const double* w, int64_t n, const double* tau, double* q) {
  std::memset(q, 0, static_cast<size_t>(n * n) * sizeof(double));
  for (int64_t i = 0; i < n; i++) q[i * n + i] = 1.0;
  const int64_t nr = n - 1;  // reflectors
  if (nr <= 0) return;
  std::vector<double> V, T, WT, W2;
  for (int64_t b0 = ((nr - 1) / kQBlock) * kQBlock; b0 >= 0; b0 -= kQBlock) {
    const int64_t kb = std::min(kQBlock, nr - b0), s = b0 + 1, m = n - s;
    // V `[m,kb]`: column t is reflector b0+t from row s (its unit entry at row s+t, zeros above)
    V.assign(static_cast<size_t>(m * kb), 0.0);
    for (int64_t t = 0; t < kb; t++) {
      double* vt = V.data() + t * m;
      vt[t] = 1.0;
      std::memcpy(vt + t + 1, w + (b0 + t) * n + s + t + 1, static_cast<size_t>(m - t - 1) * sizeof(double));
    }
    // T `[kb,kb]` upper triangular with H(b0)·…·H(b0+kb−1) = I − V·T·Vᵀ
    T.assign(static_cast<size_t>(kb * kb), 0.0);
    for (int64_t i = 0; i < kb; i++) {
      const double ti = tau[b0 + i];
      if (ti == 0) continue;
      double* col = T.data() + i * kb;
      for (int64_t j = 0; j < i; j++) col[j] = -ti * dot(V.data() + j * m + i, V.data() + i * m + i, m - i);
      for (int64_t j = 0; j < i; j++) {  // col[0:i] = T(0:i, 0:i)·col[0:i] (upper triangular, in place)
        double sum = 0;
        for (int64_t p = j; p < i; p++) sum += T[static_cast<size_t>(p * kb + j)] * col[p];
        col[j] = sum;
      }
      col[i] = ti;
    }
    // Q(s:n, s:n) −= V·(T·Vᵀ·Q(s:n, s:n)) = V·W2ᵀ with W2 = Q(s:n, s:n)ᵀ·V·Tᵀ `[m,kb]`
    double* qs = q + s * n + s;
    WT.assign(static_cast<size_t>(m * kb), 0.0);
    dgemm(m, kb, m, 1.0, qs, n, 1, V.data(), 1, m, WT.data(), m, false);
    W2.assign(static_cast<size_t>(m * kb), 0.0);
    dgemm(m, kb, kb, 1.0, WT.data(), 1, m, T.data(), kb, 1, W2.data(), m, false);
    dgemm(m, m, kb, -1.0, V.data(), 1, m, W2.data(), m, 1, qs, n, false);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Implicit QL on the tridiagonal matrix, rotations applied in cache-sized column chunks

/** One QL sweep's rotations: for i = hi−1 down to lo, (c, s) at cs[2·(off + hi−1−i)] mixes rows i and i+1. */
struct Sweep {
  int64_t lo, hi, off;
};

/** Apply the sweeps to W vectors of columns of the rows of v (leading dimension ld). */
template <int W>
void rotate_chunk(double* v, int64_t ld, const Sweep* sw, size_t nsw, const double* cs) {
  for (size_t q = 0; q < nsw; q++) {
    const Sweep& s = sw[q];
    vd x[W];
    for (int w = 0; w < W; w++) x[w] = loadu(v + s.hi * ld + w * VD);
    const double* r = cs + 2 * s.off;
    for (int64_t i = s.hi - 1; i >= s.lo; i--, r += 2) {
      const vd cv = splat(r[0]), sv = splat(r[1]);
      double* ri = v + i * ld;
      for (int w = 0; w < W; w++) {
        const vd y = loadu(ri + w * VD);
        storeu(ri + ld + w * VD, sv * y + cv * x[w]);
        const vd cy = cv * y;
        x[w] = cy - sv * x[w];  // the chain through x: one fused multiply-add per rotation
      }
    }
    for (int w = 0; w < W; w++) storeu(v + s.lo * ld + w * VD, x[w]);
  }
}

/** The same for `width` (< VD) columns. */
void rotate_columns(double* v, int64_t ld, int64_t width, const Sweep* sw, size_t nsw, const double* cs) {
  for (int64_t k = 0; k < width; k++)
    for (size_t q = 0; q < nsw; q++) {
      const Sweep& s = sw[q];
      double x = v[s.hi * ld + k];
      const double* r = cs + 2 * s.off;
      for (int64_t i = s.hi - 1; i >= s.lo; i--, r += 2) {
        const double y = v[i * ld + k];
        v[(i + 1) * ld + k] = r[1] * y + r[0] * x;
        x = r[0] * y - r[1] * x;
      }
      v[s.lo * ld + k] = x;
    }
}

/**
 * Apply the recorded sweeps (in order) to the rows of vt `[n,n]`: chunks of 4 vectors of columns, in parallel. A
 * chunk is copied into a contiguous buffer first (n rows of 4 cache lines): in place, its rows would lie a page or
 * more apart, and the rotations would miss the TLB at nearly every row.
 */
void apply_sweeps(double* vt, int64_t n, const std::vector<Sweep>& sw, const std::vector<double>& cs) {
  if (sw.empty()) return;
  constexpr int64_t CW = 4 * VD;
  const int64_t chunks = (n + CW - 1) / CW;
  const int64_t rotations = static_cast<int64_t>(cs.size() / 2);
#pragma omp parallel if (rotations * n >= kParallelWork && chunks > 1)
  {
    std::vector<double> buf(static_cast<size_t>(n * CW));
#pragma omp for schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
      const int64_t k0 = ch * CW, width = std::min(CW, n - k0);
      for (int64_t i = 0; i < n; i++) std::memcpy(buf.data() + i * width, vt + i * n + k0, static_cast<size_t>(width) * sizeof(double));
      double* v = buf.data();
      const int64_t full = width / VD;
      switch (full) {
        case 4: rotate_chunk<4>(v, width, sw.data(), sw.size(), cs.data()); break;
        case 3: rotate_chunk<3>(v, width, sw.data(), sw.size(), cs.data()); break;
        case 2: rotate_chunk<2>(v, width, sw.data(), sw.size(), cs.data()); break;
        case 1: rotate_chunk<1>(v, width, sw.data(), sw.size(), cs.data()); break;
        default: break;
      }
      if (width > full * VD) rotate_columns(v + full * VD, width, width - full * VD, sw.data(), sw.size(), cs.data());
      for (int64_t i = 0; i < n; i++) std::memcpy(vt + i * n + k0, buf.data() + i * width, static_cast<size_t>(width) * sizeof(double));
    }
  }
}

/** √(x² + y²): directly in the range where the squares cannot over- or underflow harmfully, else std::hypot (slow). */
inline double fast_hypot(double x, double y) {
  const double ax = std::fabs(x), ay = std::fabs(y), big = std::max(ax, ay);
  if (big > 1e-150 && big < 1e150) return std::sqrt(ax * ax + ay * ay);
  return std::hypot(x, y);
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diagonal d `[n]`, off-diagonal e[0:n−1], e[n−1] = 0) into d by
 * the implicit QL algorithm with shifts (EISPACK tql2), the rotations applied to the rows of vt. Returns 0, or the
 * number of eigenvalues left when the iteration limit (30·n QL iterations in all, as LAPACK's dsteqr) is reached.
 */
int64_t tridiagonal_ql(double* d, double* e, int64_t n, double* vt) {
  // rotations recorded between applications: enough to amortise a pass over vt, bounded memory (16 MB)
  const size_t capacity = std::max<size_t>(static_cast<size_t>(4 * n), size_t{1} << 20);
  std::vector<Sweep> sw;
  std::vector<double> cs;
  cs.reserve(2 * std::min(capacity, static_cast<size_t>(n * n)));
  const double eps = std::numeric_limits<double>::epsilon();
  const int64_t maxIter = 30 * n;
  int64_t iter = 0;
  double f = 0, tst1 = 0;
  for (int64_t l = 0; l < n; l++) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int64_t m = l;
    while (m < n - 1 && !(std::fabs(e[m]) <= eps * tst1)) m++;
    if (m > l) {
      do {
        if (++iter > maxIter) {
          apply_sweeps(vt, n, sw, cs);
          return n - l;
        }
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = fast_hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int64_t i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        if (cs.size() / 2 + static_cast<size_t>(m - l) > capacity) {
          apply_sweeps(vt, n, sw, cs);
          sw.clear();
          cs.clear();
        }
        sw.push_back({l, m, static_cast<int64_t>(cs.size() / 2)});
        for (int64_t i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = fast_hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cs.push_back(c);
          cs.push_back(s);
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  apply_sweeps(vt, n, sw, cs);
  return 0;
}

}  // namespace

int64_t sym_eig(const double* a, int64_t n, double* d, double* vt) {
  if (n < 1) return 0;
  const size_t nn = static_cast<size_t>(n * n);
  double anrm = 0;
  for (size_t i = 0; i < nn; i++) {
    const double v = std::fabs(a[i]);
    if (!(v <= std::numeric_limits<double>::max())) return -1;  // NaN or ±∞
    anrm = std::max(anrm, v);
  }
  if (n == 1 || anrm == 0) {  // diagonal (1×1) or zero: T = A, V = I (d read first: vt may be a)
    for (int64_t i = 0; i < n; i++) d[i] = a[i * n + i];
    std::memset(vt, 0, nn * sizeof(double));
    for (int64_t i = 0; i < n; i++) vt[i * n + i] = 1.0;
    return 0;
  }
  // LAPACK dsyev's scaling: bring max |a_ij| into [√(smlnum), √(bignum)] so no square over- or underflows
  const double smlnum = std::numeric_limits<double>::min() / std::numeric_limits<double>::epsilon();
  const double rmin = std::sqrt(smlnum), rmax = std::sqrt(1.0 / smlnum);
  const double sigma = anrm < rmin ? rmin / anrm : anrm > rmax ? rmax / anrm : 1.0;
  std::vector<double> w(a, a + nn);
  if (sigma != 1.0)
    for (double& x : w) x *= sigma;
  std::vector<double> e(static_cast<size_t>(n), 0.0), tau(static_cast<size_t>(n), 0.0);
  tridiagonalize(w.data(), n, d, e.data(), tau.data());
  form_q(w.data(), n, tau.data(), vt);
  std::vector<double>().swap(w);
  e[static_cast<size_t>(n - 1)] = 0;
  const int64_t left = tridiagonal_ql(d, e.data(), n, vt);
  if (left != 0) return left;
  for (int64_t i = 0; i < n; i++) {
    if (sigma != 1.0) d[i] /= sigma;
    if (!std::isfinite(d[i])) return -2;
  }
  return 0;
}

}  // namespace sal
