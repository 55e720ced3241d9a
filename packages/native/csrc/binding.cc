// Node-API binding of the kernels: every float32 function takes an ArrayBuffer (e.g. the wasm backend's heap) and
// byte offsets into it, checks that every operand lies inside the buffer and is float-aligned, and runs the
// kernel synchronously. The float64 routine (symEig) takes Float64Arrays and checks their lengths.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "kernels.h"

#ifndef SAL_ISA_NAME
#define SAL_ISA_NAME "unknown"  // set by scripts/compile.mjs: "avx512", "avx2" or "baseline"
#endif

namespace {

struct Args {
  napi_env env;
  size_t argc;
  napi_value argv[24];
  void* data = nullptr;
  size_t length = 0;
};

bool throw_error(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, "ERR_SAL_NATIVE", ("@sal/native: " + msg).c_str());
  return false;
}

bool get_args(napi_env env, napi_callback_info info, Args& a, size_t want) {
  a.env = env;
  a.argc = 24;
  if (napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr) != napi_ok) return throw_error(env, "bad call");
  if (a.argc < want) return throw_error(env, "expected " + std::to_string(want) + " arguments, got " + std::to_string(a.argc));
  bool isAb = false;
  napi_is_arraybuffer(env, a.argv[0], &isAb);
  if (!isAb) return throw_error(env, "argument 0 must be an ArrayBuffer");
  if (napi_get_arraybuffer_info(env, a.argv[0], &a.data, &a.length) != napi_ok) return throw_error(env, "cannot read the ArrayBuffer");
  return true;
}

bool num(Args& a, size_t i, int64_t& out) {
  double d;
  if (napi_get_value_double(a.env, a.argv[i], &d) != napi_ok) return throw_error(a.env, "argument " + std::to_string(i) + " must be a number");
  out = static_cast<int64_t>(d);
  if (static_cast<double>(out) != d) return throw_error(a.env, "argument " + std::to_string(i) + " must be an integer");
  return true;
}

bool fnum(Args& a, size_t i, double& out) {
  if (napi_get_value_double(a.env, a.argv[i], &out) != napi_ok) return throw_error(a.env, "argument " + std::to_string(i) + " must be a number");
  return true;
}

/** Pointer to `count` floats at byte offset argv[i]; checks bounds and alignment. */
bool span(Args& a, size_t i, int64_t count, float*& p, const char* what) {
  int64_t off;
  if (!num(a, i, off)) return false;
  if (off < 0 || off % 4 != 0 || count < 0 || off + count * 4 > static_cast<int64_t>(a.length))
    return throw_error(a.env, std::string(what) + ": byte offset " + std::to_string(off) + " with " + std::to_string(count) +
                                  " floats does not fit a buffer of " + std::to_string(a.length) + " bytes");
  p = reinterpret_cast<float*>(static_cast<char*>(a.data) + off);
  return true;
}

bool geom(Args& a, size_t i, sal::ConvGeom& g) {
  int64_t v[15];
  for (int j = 0; j < 15; j++)
    if (!num(a, i + j, v[j])) return false;
  g = sal::ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  if (g.n < 0 || g.h < 1 || g.w < 1 || g.ci < 1 || g.kh < 1 || g.kw < 1 || g.co < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 ||
      g.dw < 1 || g.pt < 0 || g.pl < 0 || g.ho < 1 || g.wo < 1)
    return throw_error(a.env, "invalid convolution geometry");
  return true;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/** The filter's length: `[kh,kw,ci,co]`, or `[kh,kw,c]` for a depthwise (multiplier-1) convolution. */
int64_t filter_count(const sal::ConvGeom& g, bool depthwise) { return g.kh * g.kw * g.ci * (depthwise ? 1 : g.co); }

/** The operands of a forward call: (buffer, xOff, fOff, biasOff (-1: none), outOff, act, alpha, geometry…). */
struct ForwardCall {
  sal::ConvGeom g;
  float *x, *f, *bias = nullptr, *out;
  int act;
  float alpha;
};
bool forward_call(napi_env env, napi_callback_info info, bool depthwise, ForwardCall& c) {
  Args a;
  if (!get_args(env, info, a, 22) || !geom(a, 7, c.g)) return false;
  int64_t act, biasOff;
  double alpha;
  if (!num(a, 5, act) || !fnum(a, 6, alpha) || !num(a, 3, biasOff)) return false;
  const sal::ConvGeom& g = c.g;
  if (!span(a, 1, g.n * g.h * g.w * g.ci, c.x, "x") || !span(a, 2, filter_count(g, depthwise), c.f, "filter") ||
      !span(a, 4, g.n * g.ho * g.wo * g.co, c.out, "out"))
    return false;
  if (biasOff >= 0 && !span(a, 3, g.co, c.bias, "bias")) return false;
  c.act = static_cast<int>(act);
  c.alpha = static_cast<float>(alpha);
  return true;
}

/** The operands of an input-gradient call: (buffer, dyOff, fOff, dxOff, geometry…). */
struct InputGradCall {
  sal::ConvGeom g;
  float *dy, *f, *dx;
};
bool input_grad_call(napi_env env, napi_callback_info info, bool depthwise, InputGradCall& c) {
  Args a;
  if (!get_args(env, info, a, 19) || !geom(a, 4, c.g)) return false;
  const sal::ConvGeom& g = c.g;
  return span(a, 1, g.n * g.ho * g.wo * g.co, c.dy, "dy") && span(a, 2, filter_count(g, depthwise), c.f, "filter") &&
         span(a, 3, g.n * g.h * g.w * g.ci, c.dx, "dx");
}

/** The operands of a filter-gradient call: (buffer, xOff, dyOff, dfOff, geometry…). */
struct FilterGradCall {
  sal::ConvGeom g;
  float *x, *dy, *df;
};
bool filter_grad_call(napi_env env, napi_callback_info info, bool depthwise, FilterGradCall& c) {
  Args a;
  if (!get_args(env, info, a, 19) || !geom(a, 4, c.g)) return false;
  const sal::ConvGeom& g = c.g;
  return span(a, 1, g.n * g.h * g.w * g.ci, c.x, "x") && span(a, 2, g.n * g.ho * g.wo * g.co, c.dy, "dy") &&
         span(a, 3, filter_count(g, depthwise), c.df, "df");
}

napi_value boolean(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

// conv2dForward(buffer, xOff, fOff, biasOff (-1: none), outOff, act, alpha, n,h,w,ci, kh,kw,co, sh,sw, dh,dw, pt,pl, ho,wo)
napi_value Conv2dForward(napi_env env, napi_callback_info info) {
  ForwardCall c;
  if (!forward_call(env, info, false, c)) return nullptr;
  sal::conv2d_forward(c.x, c.f, c.bias, c.out, c.g, c.act, c.alpha);
  return undefined(env);
}

// conv2dBackpropInput(buffer, dyOff, fOff, dxOff, n,h,w,ci, kh,kw,co, sh,sw, dh,dw, pt,pl, ho,wo) → boolean (false: not handled)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  InputGradCall c;
  if (!input_grad_call(env, info, false, c)) return nullptr;
  return boolean(env, sal::conv2d_backprop_input(c.dy, c.f, c.dx, c.g));
}

// conv2dBackpropFilter(buffer, xOff, dyOff, dfOff, n,h,w,ci, kh,kw,co, sh,sw, dh,dw, pt,pl, ho,wo)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  FilterGradCall c;
  if (!filter_grad_call(env, info, false, c)) return nullptr;
  sal::conv2d_backprop_filter(c.x, c.dy, c.df, c.g);
  return undefined(env);
}

// depthwiseForward(buffer, xOff, fOff, biasOff (-1: none), outOff, act, alpha, n,h,w,c, kh,kw,c, sh,sw, dh,dw, pt,pl, ho,wo)
// → boolean (false: not handled); the filter is `[kh,kw,c]`
napi_value DepthwiseForward(napi_env env, napi_callback_info info) {
  ForwardCall c;
  if (!forward_call(env, info, true, c)) return nullptr;
  return boolean(env, sal::depthwise_forward(c.x, c.f, c.bias, c.out, c.g, c.act, c.alpha));
}

// separableForward(buffer, xOff, w1Off, dwOff, w2Off, biasOff (-1: none), outOff, act, alpha, n,h,w,ci, c1,co, k,pad, ho,wo)
// → boolean (false: not handled); w1 `[ci,c1]`, dw `[k,k,c1]`, w2 `[c1,co]`
napi_value SeparableForward(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 19)) return nullptr;
  int64_t v[10], act, biasOff;
  double alpha;
  for (int j = 0; j < 10; j++)
    if (!num(a, 9 + j, v[j])) return nullptr;
  if (!num(a, 7, act) || !fnum(a, 8, alpha) || !num(a, 5, biasOff)) return nullptr;
  const sal::SeparableGeom s{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
  if (s.n < 0 || s.h < 1 || s.w < 1 || s.ci < 1 || s.c1 < 1 || s.co < 1 || s.k < 1 || s.pad < 0 || s.ho < 1 || s.wo < 1) {
    throw_error(env, "invalid separable geometry");
    return nullptr;
  }
  float *x, *w1, *dw, *w2, *bias = nullptr, *out;
  if (!span(a, 1, s.n * s.h * s.w * s.ci, x, "x") || !span(a, 2, s.ci * s.c1, w1, "inKernel") || !span(a, 3, s.k * s.k * s.c1, dw, "depthwise") ||
      !span(a, 4, s.c1 * s.co, w2, "outKernel") || !span(a, 6, s.n * s.ho * s.wo * s.co, out, "out"))
    return nullptr;
  if (biasOff >= 0 && !span(a, 5, s.co, bias, "bias")) return nullptr;
  return boolean(env, sal::separable_forward(x, w1, dw, w2, bias, out, s, static_cast<int>(act), static_cast<float>(alpha)));
}

/** A bilinear call: its sizes (b, h, w, c, n, shared) from argv[sizesAt…+5], and its features and grid operands. */
struct BilinearCall {
  Args a;
  int64_t b, h, w, c, n;
  bool shared;
  float *f, *grid;
  int64_t grid_count() const { return (shared ? 1 : b) * n * 2; }
};
bool bilinear_call(napi_env env, napi_callback_info info, size_t argc, size_t sizesAt, size_t fAt, size_t gridAt, BilinearCall& c) {
  int64_t v[6];
  if (!get_args(env, info, c.a, argc)) return false;
  for (int j = 0; j < 6; j++)
    if (!num(c.a, sizesAt + j, v[j])) return false;
  if (v[0] < 0 || v[1] < 1 || v[2] < 1 || v[3] < 1 || v[4] < 0 || (v[5] != 0 && v[5] != 1)) return throw_error(env, "invalid bilinear sizes");
  c.b = v[0], c.h = v[1], c.w = v[2], c.c = v[3], c.n = v[4], c.shared = v[5] == 1;
  return span(c.a, fAt, c.b * c.h * c.w * c.c, c.f, "features") && span(c.a, gridAt, c.grid_count(), c.grid, "grid");
}

// bilinearSample(buffer, fOff, gridOff, outOff, b, h, w, c, n, shared (0/1))
napi_value BilinearSample(napi_env env, napi_callback_info info) {
  BilinearCall c;
  float* out;
  if (!bilinear_call(env, info, 10, 4, 1, 2, c) || !span(c.a, 3, c.b * c.n * c.c, out, "out")) return nullptr;
  sal::bilinear_sample(c.f, c.grid, out, c.b, c.h, c.w, c.c, c.n, c.shared);
  return undefined(env);
}

// bilinearSampleGrad(buffer, dyOff, fOff, gridOff, dFeatOff, dGridOff, b, h, w, c, n, shared (0/1))
napi_value BilinearSampleGrad(napi_env env, napi_callback_info info) {
  BilinearCall c;
  float *dy, *dfeat, *dgrid;
  if (!bilinear_call(env, info, 12, 6, 2, 3, c) || !span(c.a, 1, c.b * c.n * c.c, dy, "dy") ||
      !span(c.a, 4, c.b * c.h * c.w * c.c, dfeat, "dFeatures") || !span(c.a, 5, c.grid_count(), dgrid, "dGrid"))
    return nullptr;
  sal::bilinear_sample_grad(dy, c.f, c.grid, dfeat, dgrid, c.b, c.h, c.w, c.c, c.n, c.shared);
  return undefined(env);
}

// depthwiseBackpropInput(buffer, dyOff, fOff, dxOff, n,h,w,c, kh,kw,c, sh,sw, dh,dw, pt,pl, ho,wo) → boolean
napi_value DepthwiseBackpropInput(napi_env env, napi_callback_info info) {
  InputGradCall c;
  if (!input_grad_call(env, info, true, c)) return nullptr;
  return boolean(env, sal::depthwise_backprop_input(c.dy, c.f, c.dx, c.g));
}

// depthwiseBackpropFilter(buffer, xOff, dyOff, dfOff, n,h,w,c, kh,kw,c, sh,sw, dh,dw, pt,pl, ho,wo) → boolean
napi_value DepthwiseBackpropFilter(napi_env env, napi_callback_info info) {
  FilterGradCall c;
  if (!filter_grad_call(env, info, true, c)) return nullptr;
  return boolean(env, sal::depthwise_backprop_filter(c.x, c.dy, c.df, c.g));
}

// batchMatMul(buffer, aOff, bOff, cOff, batch, m, n, k, transA, transB, strideA, strideB)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 12)) return nullptr;
  int64_t batch, m, n, k, ta, tb, sa, sb;
  if (!num(a, 4, batch) || !num(a, 5, m) || !num(a, 6, n) || !num(a, 7, k) || !num(a, 8, ta) || !num(a, 9, tb) ||
      !num(a, 10, sa) || !num(a, 11, sb))
    return nullptr;
  if (batch < 1 || m < 1 || n < 1 || k < 0 || sa < 0 || sb < 0) { throw_error(env, "invalid matmul geometry"); return nullptr; }
  float *pa, *pb, *pc;
  if (!span(a, 1, (batch - 1) * sa + m * k, pa, "a") || !span(a, 2, (batch - 1) * sb + k * n, pb, "b") ||
      !span(a, 3, batch * m * n, pc, "c"))
    return nullptr;
  sal::batch_matmul(pa, pb, pc, batch, m, n, k, ta != 0, tb != 0, sa, sb);
  return undefined(env);
}

// reduceSum(buffer, xOff, outOff, outer, red, inner, scale)
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 7)) return nullptr;
  int64_t outer, red, inner;
  double scale;
  if (!num(a, 3, outer) || !num(a, 4, red) || !num(a, 5, inner) || !fnum(a, 6, scale)) return nullptr;
  if (outer < 1 || red < 1 || inner < 1) { throw_error(env, "invalid reduction geometry"); return nullptr; }
  float *x, *out;
  if (!span(a, 1, outer * red * inner, x, "x") || !span(a, 2, outer * inner, out, "out")) return nullptr;
  sal::reduce_sum(x, out, outer, red, inner, static_cast<float>(scale));
  return undefined(env);
}

// binary(buffer, aOff, bOff, outOff, op, outer, inner, aMode, bMode)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 9)) return nullptr;
  int64_t op, outer, inner, am, bm;
  if (!num(a, 4, op) || !num(a, 5, outer) || !num(a, 6, inner) || !num(a, 7, am) || !num(a, 8, bm)) return nullptr;
  if (op < 0 || op > 3 || outer < 1 || inner < 1 || am < 0 || am > 2 || bm < 0 || bm > 2) { throw_error(env, "invalid binary op"); return nullptr; }
  const auto count = [&](int64_t mode) { return mode == 0 ? outer * inner : mode == 1 ? inner : 1; };
  float *pa, *pb, *po;
  if (!span(a, 1, count(am), pa, "a") || !span(a, 2, count(bm), pb, "b") || !span(a, 3, outer * inner, po, "out")) return nullptr;
  sal::binary(pa, pb, po, static_cast<int>(op), outer, inner, static_cast<int>(am), static_cast<int>(bm));
  return undefined(env);
}

// copyRuns(buffer, srcOff, srcStride, dstOff, dstStride, runs, len, before, after, value)
napi_value CopyRuns(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 10)) return nullptr;
  int64_t ss, ds, runs, len, before, after;
  double value;
  if (!num(a, 2, ss) || !num(a, 4, ds) || !num(a, 5, runs) || !num(a, 6, len) || !num(a, 7, before) || !num(a, 8, after) || !fnum(a, 9, value))
    return nullptr;
  const int64_t row = before + len + after;
  if (runs < 1 || len < 0 || before < 0 || after < 0 || row < 1 || ss < len || ds < row) {
    throw_error(env, "invalid copyRuns geometry");
    return nullptr;
  }
  float *src, *dst;
  if (!span(a, 1, (runs - 1) * ss + len, src, "src") || !span(a, 3, (runs - 1) * ds + row, dst, "dst")) return nullptr;
  sal::copy_runs(src, ss, dst, ds, runs, len, before, after, static_cast<float>(value));
  return undefined(env);
}

// channelAffine(buffer, xOff, scaleOff, shiftOff (-1: none), outOff, outer, c, act, alpha)
napi_value ChannelAffine(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 9)) return nullptr;
  int64_t shiftOff, outer, c, act;
  double alpha;
  if (!num(a, 3, shiftOff) || !num(a, 5, outer) || !num(a, 6, c) || !num(a, 7, act) || !fnum(a, 8, alpha)) return nullptr;
  if (outer < 1 || c < 1) { throw_error(env, "invalid channel affine geometry"); return nullptr; }
  float *x, *scale, *shift = nullptr, *out;
  if (!span(a, 1, outer * c, x, "x") || !span(a, 2, c, scale, "scale") || !span(a, 4, outer * c, out, "out")) return nullptr;
  if (shiftOff >= 0 && !span(a, 3, c, shift, "shift")) return nullptr;
  sal::channel_affine(x, scale, shift, out, outer, c, static_cast<int>(act), static_cast<float>(alpha));
  return undefined(env);
}

// unary(buffer, xOff, outOff, op, n, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 6)) return nullptr;
  int64_t op, n;
  double alpha;
  if (!num(a, 3, op) || !num(a, 4, n) || !fnum(a, 5, alpha)) return nullptr;
  if (op < 0 || op > 3 || n < 1) { throw_error(env, "invalid unary op"); return nullptr; }
  float *x, *out;
  if (!span(a, 1, n, x, "x") || !span(a, 2, n, out, "out")) return nullptr;
  sal::unary(x, out, static_cast<int>(op), n, static_cast<float>(alpha));
  return undefined(env);
}

// eluGrad(buffer, dyOff, yOff, outOff, n)
napi_value EluGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 5)) return nullptr;
  int64_t n;
  if (!num(a, 4, n)) return nullptr;
  if (n < 1) { throw_error(env, "invalid size"); return nullptr; }
  float *dy, *y, *out;
  if (!span(a, 1, n, dy, "dy") || !span(a, 2, n, y, "y") || !span(a, 3, n, out, "out")) return nullptr;
  sal::elu_grad(dy, y, out, n);
  return undefined(env);
}

// bnTrainForward(buffer, xOff, gammaOff, betaOff, yOff, meanOff, varOff, n, c, eps, act)
napi_value BnTrainForward(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 11)) return nullptr;
  int64_t n, c, act;
  double eps;
  if (!num(a, 7, n) || !num(a, 8, c) || !fnum(a, 9, eps) || !num(a, 10, act)) return nullptr;
  if (n < 1 || c < 1 || eps < 0) { throw_error(env, "invalid batch-norm geometry"); return nullptr; }
  float *x, *gamma, *beta, *y, *mean, *var;
  if (!span(a, 1, n * c, x, "x") || !span(a, 2, c, gamma, "gamma") || !span(a, 3, c, beta, "beta") || !span(a, 4, n * c, y, "y") ||
      !span(a, 5, c, mean, "mean") || !span(a, 6, c, var, "variance"))
    return nullptr;
  sal::bn_train_forward(x, gamma, beta, y, mean, var, n, c, static_cast<float>(eps), static_cast<int>(act));
  return undefined(env);
}

// bnTrainBackward(buffer, dyOff, xOff, yOff, gammaOff, meanOff, varOff, dxOff, dgammaOff, dbetaOff, n, c, eps, act)
napi_value BnTrainBackward(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 14)) return nullptr;
  int64_t n, c, act;
  double eps;
  if (!num(a, 10, n) || !num(a, 11, c) || !fnum(a, 12, eps) || !num(a, 13, act)) return nullptr;
  if (n < 1 || c < 1 || eps < 0) { throw_error(env, "invalid batch-norm geometry"); return nullptr; }
  float *dy, *x, *y, *gamma, *mean, *var, *dx, *dgamma, *dbeta;
  if (!span(a, 1, n * c, dy, "dy") || !span(a, 2, n * c, x, "x") || !span(a, 3, n * c, y, "y") || !span(a, 4, c, gamma, "gamma") ||
      !span(a, 5, c, mean, "mean") || !span(a, 6, c, var, "variance") || !span(a, 7, n * c, dx, "dx") || !span(a, 8, c, dgamma, "dgamma") ||
      !span(a, 9, c, dbeta, "dbeta"))
    return nullptr;
  sal::bn_train_backward(dy, x, y, gamma, mean, var, dx, dgamma, dbeta, n, c, static_cast<float>(eps), static_cast<int>(act));
  return undefined(env);
}

// spdSolve(buffer, aOff, bOff, xOff, n, m) → 0 or the 1-based failing pivot
napi_value SpdSolve(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 6)) return nullptr;
  int64_t n, m;
  if (!num(a, 4, n) || !num(a, 5, m)) return nullptr;
  if (n < 1 || m < 1) { throw_error(env, "invalid solve geometry"); return nullptr; }
  float *pa, *pb, *px;
  if (!span(a, 1, n * n, pa, "a") || !span(a, 2, n * m, pb, "b") || !span(a, 3, n * m, px, "x")) return nullptr;
  napi_value r;
  napi_create_int64(env, sal::spd_solve(pa, pb, px, n, m), &r);
  return r;
}

/** The data of argument i, a Float64Array of at least `count` elements. */
bool f64array(Args& a, size_t i, int64_t count, double*& p, const char* what) {
  bool is = false;
  napi_is_typedarray(a.env, a.argv[i], &is);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!is || napi_get_typedarray_info(a.env, a.argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float64_array)
    return throw_error(a.env, std::string(what) + " must be a Float64Array");
  if (static_cast<int64_t>(length) < count)
    return throw_error(a.env, std::string(what) + ": " + std::to_string(length) + " elements, expected at least " + std::to_string(count));
  p = static_cast<double*>(data);
  return true;
}

// fromFloat64(buffer, dstOff, src: Float64Array, n) → the first index whose float32 is not finite, or −1
napi_value FromFloat64(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, a, 4)) return nullptr;
  int64_t n;
  if (!num(a, 3, n)) return nullptr;
  if (n < 0) { throw_error(env, "fromFloat64: invalid length " + std::to_string(n)); return nullptr; }
  float* dst;
  double* src;
  if (!span(a, 1, n, dst, "fromFloat64: dst") || !f64array(a, 2, n, src, "fromFloat64: src")) return nullptr;
  napi_value r;
  napi_create_int64(env, sal::f64_to_f32(src, dst, n), &r);
  return r;
}

// symEig(a: Float64Array, n, d: Float64Array, vt: Float64Array): eigenvalues into d [n], eigenvectors as the rows of
// vt [n,n]; throws an Error (code ERR_SAL_NATIVE) for a non-finite matrix or when the iteration does not converge
napi_value SymEig(napi_env env, napi_callback_info info) {
  Args a;
  a.env = env;
  a.argc = 24;
  if (napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr) != napi_ok) { throw_error(env, "bad call"); return nullptr; }
  if (a.argc < 4) { throw_error(env, "symEig: expected 4 arguments, got " + std::to_string(a.argc)); return nullptr; }
  int64_t n;
  if (!num(a, 1, n)) return nullptr;
  if (n < 1 || n > (int64_t{1} << 26)) { throw_error(env, "symEig: invalid size " + std::to_string(n)); return nullptr; }
  double *pa, *pd, *pv;
  if (!f64array(a, 0, n * n, pa, "symEig: a") || !f64array(a, 2, n, pd, "symEig: d") || !f64array(a, 3, n * n, pv, "symEig: vt")) return nullptr;
  if (pd < pv + n * n && pv < pd + n) { throw_error(env, "symEig: d and vt must not overlap"); return nullptr; }
  const int64_t rc = sal::sym_eig(pa, n, pd, pv);
  if (rc == 0) return undefined(env);
  const std::string msg = rc == -1 ? "the matrix has a NaN or infinite entry"
                          : rc == -2 ? "an eigenvalue came out non-finite"
                                     : "the QL iteration did not converge (" + std::to_string(rc) + " of " + std::to_string(n) + " eigenvalues left)";
  napi_throw_error(env, "ERR_SAL_NATIVE", ("@sal/native: symEig: " + msg).c_str());
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value o, simd, threads, isa;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, sal::simd_name(), NAPI_AUTO_LENGTH, &simd);
  napi_create_int32(env, sal::max_threads(), &threads);
  napi_create_string_utf8(env, SAL_ISA_NAME, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, o, "simd", simd);
  napi_set_named_property(env, o, "threads", threads);
  napi_set_named_property(env, o, "isa", isa);
  return o;
}

/**
 * What the running CPU (and OS: the AVX state must be enabled) supports, for choosing among the add-ons: `avx512`
 * needs AVX-512 F, CD, BW, DQ, VL plus AVX2 and FMA (the avx512 build's flags), `avx2` needs AVX2 and FMA.
 * Safe to call from any of the add-ons: it runs no vector instruction.
 */
napi_value Cpu(napi_env env, napi_callback_info) {
  napi_value o, avx512, avx2;
  napi_create_object(env, &o);
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool has512 = has2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  const bool has2 = false, has512 = false;
#endif
  napi_get_boolean(env, has512, &avx512);
  napi_get_boolean(env, has2, &avx2);
  napi_set_named_property(env, o, "avx512", avx512);
  napi_set_named_property(env, o, "avx2", avx2);
  return o;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    throw_error(env, "setThreads expects a positive integer");
    return nullptr;
  }
  sal::set_threads(n);
  return undefined(env);
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv2dForward", nullptr, Conv2dForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseForward", nullptr, DepthwiseForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseBackpropInput", nullptr, DepthwiseBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"separableForward", nullptr, SeparableForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bilinearSample", nullptr, BilinearSample, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bilinearSampleGrad", nullptr, BilinearSampleGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseBackpropFilter", nullptr, DepthwiseBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyRuns", nullptr, CopyRuns, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelAffine", nullptr, ChannelAffine, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"eluGrad", nullptr, EluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnTrainForward", nullptr, BnTrainForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnTrainBackward", nullptr, BnTrainBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"spdSolve", nullptr, SpdSolve, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"symEig", nullptr, SymEig, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fromFloat64", nullptr, FromFloat64, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cpu", nullptr, Cpu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
