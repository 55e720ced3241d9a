// Native float32 kernels: NHWC convolution (forward, input gradient, filter gradient) and batched matrix
// products, on caller-owned memory; and a float64 symmetric eigendecomposition (symeig.cc). Register-blocked SIMD
// micro-kernels (GCC vector extensions; the sources are compiled once per instruction set, AVX-512, AVX2 + FMA and x86-64,
// and the widest the CPU supports is loaded: see scripts/compile.mjs), OpenMP threads. No allocation
// escapes a call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sal {

/** Memory for a large work buffer; buffers of 2 MiB or more are 2 MiB-aligned and marked for transparent huge pages. */
void* large_alloc(std::size_t bytes);
void large_free(void* p) noexcept;

/**
 * Allocator of work buffers that a call fills once (a packed matrix, a factor): from 2 MiB up they are backed by huge
 * pages where the kernel allows it (`madvise`), so a fresh buffer costs a few 2 MiB page faults instead of one per
 * 4 KiB page. On virtual machines a page fault costs ~10 µs: a 16 MB buffer's 4096 faults took 40 ms, longer than the
 * products that used it (the SPD solve, 2000 × 4096, 12 281 faults per call: 268 against 142 ms without).
 */
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(large_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { large_free(p); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const LargeAllocator<U>&) const noexcept { return false; }
};
/** A float vector from {@link LargeAllocator}. */
using LargeFloats = std::vector<float, LargeAllocator<float>>;

/** Geometry of a 2-D convolution, NHWC input `[n,h,w,ci]`, HWIO filter `[kh,kw,ci,co]`, output `[n,ho,wo,co]`. */
struct ConvGeom {
  int64_t n, h, w, ci;
  int64_t kh, kw, co;
  int64_t sh, sw, dh, dw;
  int64_t pt, pl;  // top/left zero padding (may be 0); bottom/right follow from ho/wo
  int64_t ho, wo;
};

// Below these sizes a parallel region costs more than it saves (waking a sleeping thread takes tens of µs, and
// milliseconds on a busy machine): elements for memory-bound loops, multiply-adds for compute-bound ones.
constexpr int64_t kParallelMin = 1 << 18;
constexpr int64_t kParallelWork = 1 << 21;

enum Activation : int { kLinear = 0, kRelu = 1, kElu = 2, kRelu6 = 3, kLeakyRelu = 4 };

/**
 * A buffer of at least n floats for the calling thread, 64-byte aligned, kept and reused between calls (contents
 * undefined): a fresh allocation of more than glibc's mmap threshold is mapped, page-faulted and zeroed on every
 * call. `slot` (0 … kScratchSlots − 1) tells apart the buffers one thread holds at the same time. Each slot keeps
 * the largest size asked of it until the thread ends. The 3×3 Winograd kernels' largest is the calling thread's:
 * 36·ci·co floats per thread of the filter gradient's sums (295 KB at 32 → 32 on 2 threads, 75 MB at 512 → 512).
 */
constexpr int kScratchSlots = 4;
float* thread_scratch(int slot, int64_t n);

/**
 * Copy input rows `y0 + r·rstep` (r in [0, nrows)) of image `ni` of x `[n,h,w,ci]` into `win` as zero-padded rows of
 * `pw` pixels (pixel x' holds input column x' − pl; rows outside the image all zeros): the window a few output rows
 * of a convolution read (conv.cc, depthwise.cc).
 */
void fill_window(const float* x, const ConvGeom& g, int64_t ni, int64_t y0, int64_t rstep, int64_t nrows, int64_t pw, float* win);
/** out = act(conv(x, f) + bias); `bias` may be null (length co otherwise). */
void conv2d_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha);

/** dx `[n,h,w,ci]` of a stride-1 convolution from dy `[n,ho,wo,co]`; returns false if the geometry is not handled. */
bool conv2d_backprop_input(const float* dy, const float* f, float* dx, const ConvGeom& g);

/** df `[kh,kw,ci,co]` from x and dy. */
void conv2d_backprop_filter(const float* x, const float* dy, float* df, const ConvGeom& g);

/**
 * Depthwise convolution with channel multiplier 1: x `[n,h,w,c]`, filter `[kh,kw,c]`, out = act(conv + bias)
 * `[n,ho,wo,c]` (g.ci = g.co = c; `bias` may be null). Returns false if the geometry is not handled (ci ≠ co, kh > 64).
 */
bool depthwise_forward(const float* x, const float* f, const float* bias, float* out, const ConvGeom& g, int act, float alpha);
/** Geometry of a depth-separable block: x `[n,h,w,ci]` → 1×1 → `[n,h,w,c1]` → k×k depthwise (stride 1, zero padding
 * `pad` on every side) → `[n,ho,wo,c1]` → 1×1 → `[n,ho,wo,co]`, with ho = h + 2·pad − k + 1 (wo likewise). */
struct SeparableGeom {
  int64_t n, h, w, ci, c1, co, k, pad, ho, wo;
};
/**
 * The depth-separable block in one pass: out = act(conv1x1(depthwise(conv1x1(x, w1), dwf), w2) + bias), w1 `[ci,c1]`,
 * dwf `[k,k,c1]`, w2 `[c1,co]`, `bias` `[co]` or null. The intermediate maps stay in per-thread rings of rows when c1 and
 * co are whole vectors and k is odd (3–15); other shapes run the three kernels in turn. False if not handled (k > 64,
 * ho/wo inconsistent).
 */
bool separable_forward(const float* x, const float* w1, const float* dwf, const float* w2, const float* bias, float* out, const SeparableGeom& s,
                       int act, float alpha);
/** dx `[n,h,w,c]` of a stride-1 depthwise convolution from dy; false if not handled (strides, padding > (k−1)·d). */
bool depthwise_backprop_input(const float* dy, const float* f, float* dx, const ConvGeom& g);
/** df `[kh,kw,c]` of a depthwise convolution from x and dy; false if not handled (ci ≠ co). */
bool depthwise_backprop_filter(const float* x, const float* dy, float* df, const ConvGeom& g);

/**
 * c[b] = op(a[b]) · op(b[b]) for b in [0,batch): a is `[m,k]` (or `[k,m]` if transA), b is `[k,n]` (or `[n,k]`
 * if transB), c is `[m,n]`; strideA/strideB are the batch strides in elements (0 broadcasts).
 * The same matrix on both sides (a == b, equal strides, m == n) with one side transposed is a Gram matrix
 * A·Aᵀ or Aᵀ·A: only its tiles on and below the diagonal are computed (half the work), then mirrored, so c is
 * exactly symmetric.
 */
void batch_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k,
                  bool transA, bool transB, int64_t strideA, int64_t strideB);

/** out[o,i] = scale · Σ_r x[o,r,i] for x viewed as `[outer, red, inner]` (double accumulation). */
void reduce_sum(const float* x, float* out, int64_t outer, int64_t red, int64_t inner, float scale);

enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum UnaryOp : int { kSquare = 0, kUnaryElu = 1, kUnaryRelu = 2, kExp = 3 };

/** out `[outer,inner]` = a op b; operand modes: 0 full `[outer,inner]`, 1 one row `[inner]` repeated, 2 a scalar. */
void binary(const float* a, const float* b, float* out, int op, int64_t outer, int64_t inner, int am, int bm);
/**
 * Runs of 4-byte values: for r in [0, runs), `before` copies of `value`, the `len` values at src + r·srcStride, then
 * `after` copies of `value`, written from dst + r·dstStride. Slices, concatenations, splits and constant pads along one
 * axis. The regions must not overlap.
 */
void copy_runs(const float* src, int64_t srcStride, float* dst, int64_t dstStride, int64_t runs, int64_t len, int64_t before,
               int64_t after, float value);
/** out = act(x·scale + shift) per channel, x `[outer,c]`; `shift` may be null. */
void channel_affine(const float* x, const float* scale, const float* shift, float* out, int64_t outer, int64_t c, int act, float alpha);
/**
 * out = op(x) elementwise. kExp: e^x for every float (subnormal results down to 2^−149, 0 below, +∞ past
 * FLT_MAX, NaN kept), |rel. error| < 2e-7 for normal results.
 */
void unary(const float* x, float* out, int op, int64_t n, float alpha);
/** ELU's gradient from its output: dy where y ≥ 0, dy·(y + 1) elsewhere (tfjs's EluGrad). */
void elu_grad(const float* dy, const float* y, float* out, int64_t n);
/**
 * dst[i] = (float) src[i] (round to nearest) for i < n, in threads; returns the first i whose float is not finite
 * (a NaN or infinite src[i], or one beyond float32's range), or −1.
 */
int64_t f64_to_f32(const double* src, float* dst, int64_t n);

/**
 * Training-mode batch-norm over the rows of x `[n,c]` (batch and spatial axes), then `act` (linear or elu):
 * y = act((x − μ)·γ/√(σ²+ε) + β); writes y, the batch mean μ and the biased variance σ² (`[c]`).
 */
void bn_train_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* var, int64_t n, int64_t c,
                      float eps, int act);
/** Its gradient: dx `[n,c]`, dγ, dβ `[c]` from dy, x, y (the forward's output) and the saved μ, σ². */
void bn_train_backward(const float* dy, const float* x, const float* y, const float* gamma, const float* mean, const float* var, float* dx,
                       float* dgamma, float* dbeta, int64_t n, int64_t c, float eps, int act);

/**
 * Bilinear sampling (bilinear.cc): out `[b,n,c]` = f `[b,h,w,c]` at grid positions (x, y) in [-1, 1] (align corners,
 * zero padding), grid `[b,n,2]`, or `[n,2]` for every image when `shared`.
 */
void bilinear_sample(const float* f, const float* grid, float* out, int64_t b, int64_t h, int64_t w, int64_t c, int64_t n, bool shared);
/** Its gradient: dfeat `[b,h,w,c]` (written whole) and dgrid (the grid's shape; summed over the batch when `shared`) from dy `[b,n,c]`. */
void bilinear_sample_grad(const float* dy, const float* f, const float* grid, float* dfeat, float* dgrid, int64_t b, int64_t h, int64_t w,
                          int64_t c, int64_t n, bool shared);
/**
 * X `[n,m]` solving A X = B for symmetric positive definite A `[n,n]` (lower triangle read), blocked Cholesky.
 * Returns 0, or the 1-based index of the first non-positive pivot (A not positive definite; X unspecified).
 */
int spd_solve(const float* A, const float* B, float* X, int64_t n, int64_t m);

/**
 * Float64 eigendecomposition of the symmetric A `[n,n]` (row-major; its upper triangle is read, a is not modified),
 * in symeig.cc: eigenvalues d `[n]` (unsorted) and orthonormal eigenvectors, row i of vt `[n,n]` the eigenvector of
 * d[i]. Householder tridiagonalisation (blocked), Q formed from blocks of reflectors, implicit QL. d must not overlap
 * vt (vt may be a). Returns 0; −1 when a has a NaN or infinite entry; −2 when an eigenvalue came out non-finite; or,
 * when the QL iteration did not converge, the number of eigenvalues left (d and vt unspecified).
 */
int64_t sym_eig(const double* a, int64_t n, double* d, double* vt);

int max_threads();
void set_threads(int n);
const char* simd_name();

}  // namespace sal
