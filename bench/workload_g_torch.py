#!/usr/bin/python3
"""PyTorch twin of bench/workload-g.mjs (Debian bookworm's python3-torch), in the style of the reference
shared/reference/baseline_torch.py.

    /usr/bin/python3 bench/workload_g_torch.py --out /tmp/workload-g.json
    node bench/workload-g.mjs --baseline /tmp/workload-g.json

Workload G (float32, batch 64 of 4x83x83 inputs: image + saliency + its x/y gradients), shaped like the original
study's gRF model (anchors-digest §2.1 config "actually used" and §3.3 SaliencyShifter):
  core     = Conv2d(1,32,15, no padding) + BatchNorm2d + ELU,
             5 x [depth-separable 9x9: Conv2d 1x1 (no bias) -> depthwise 9x9 (groups=32, pad 4, no bias)
                  -> Conv2d 1x1 (no bias); BatchNorm2d; ELU]                      -> 32 x 69 x 69
  readouts = 31 sessions with n_s = 2 + (7 s mod 17) neurons (308 in all), each a saliency shifter:
             remapper on the 3 context channels at input resolution: Conv2d(3,3,3,pad 1)+BN+ELU,
             Conv2d(3,2,3,pad 1)+BN+tanh, x 0.2; isotropic Gaussian positions (mu + sigma * noise in training,
             mu in eval); shift = grid_sample(field, positions); features read with grid_sample at
             positions + shift (bilinear, zeros, align_corners=True); feature weights; bias
  output   = elu(readout) + 1 ; loss = mean(pred - y*log(pred+1e-12)) ; Adam(lr=1e-3) over all parameters
Timed (torch.set_num_threads(2)), one session per train step in turn:
  train_step            fwd + bwd + Adam step, BN in train mode                                -> images/s
  forward_eval_no_grad  model.eval(), torch.no_grad(), one session per call in turn             -> images/s
  gradient_rf_batchsum  the largest session, eval mode: one forward, then autograd.grad(out[:, n].sum(), image)
                        per neuron (the context channels held fixed)                       -> (image,neuron)/s
Environment tuning as the reference: re-executes itself with OMP_WAIT_POLICY=PASSIVE and glibc's mmap threshold
off (see baseline_torch.py) unless --env-as-is.
"""
import os
import sys

TUNED_ENV = {"OMP_WAIT_POLICY": "PASSIVE",
             "GLIBC_TUNABLES": "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296"}
if "--env-as-is" not in sys.argv and os.environ.get("REFHARNESS_TUNED") != "1":
    _env = dict(os.environ, REFHARNESS_TUNED="1", **TUNED_ENV)
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], _env)

import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

B, H, W, C, SESSIONS = 64, 83, 83, 32, 31
SIZES = [2 + (7 * s) % 17 for s in range(SESSIONS)]
EPS = 1e-12


class DepthSeparable(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Conv2d(C, C, 1, bias=False)
        self.dw = nn.Conv2d(C, C, 9, padding=4, groups=C, bias=False)
        self.out = nn.Conv2d(C, C, 1, bias=False)

    def forward(self, x):
        return self.out(self.dw(self.inp(x)))


class Core(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Conv2d(1, C, 15, padding=0, bias=False)
        self.bn = nn.ModuleList([nn.BatchNorm2d(C) for _ in range(6)])
        self.hidden = nn.ModuleList([DepthSeparable() for _ in range(5)])

    def forward(self, x):
        x = F.elu(self.bn[0](self.first(x)))
        for i, conv in enumerate(self.hidden):
            x = F.elu(self.bn[i + 1](conv(x)))
        return x


class SaliencyShifter(nn.Module):
    """One session's readout: isotropic Gaussian positions shifted by the remapper's field."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.mu = nn.Parameter(torch.empty(n, 2).uniform_(-0.178, 0.178))
        self.sigma = nn.Parameter(torch.full((n, 1), 0.585))
        self.features = nn.Parameter(torch.randn(C, n) / C ** 0.5)
        self.bias = nn.Parameter(torch.zeros(n))
        self.remap = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ELU(),
                                   nn.Conv2d(3, 2, 3, padding=1), nn.BatchNorm2d(2), nn.Tanh())

    def forward(self, f, ctx):
        b = f.shape[0]
        if self.training:
            grid = (self.mu.unsqueeze(0) + self.sigma.unsqueeze(0) * torch.randn(b, self.n, 2)).clamp(-1, 1)
        else:
            grid = self.mu.clamp(-1, 1).unsqueeze(0).expand(b, self.n, 2)
        field = self.remap(ctx) * 0.2  # (b,2,H,W)
        shift = F.grid_sample(field, grid.unsqueeze(2), mode="bilinear", padding_mode="zeros", align_corners=True)
        grid = grid + shift.squeeze(-1).transpose(1, 2)
        y = F.grid_sample(f, grid.unsqueeze(2), mode="bilinear", padding_mode="zeros", align_corners=True)
        return (y.squeeze(-1) * self.features.unsqueeze(0)).sum(1) + self.bias


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.core = Core()
        self.readouts = nn.ModuleDict({f"s{s}": SaliencyShifter(n) for s, n in enumerate(SIZES)})

    def forward(self, x, key):
        return F.elu(self.readouts[key](self.core(x[:, :1]), x[:, 1:4])) + 1


def stats(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs), "n": len(xs)}


def timeit(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke test)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--env-as-is", action="store_true", help="do not re-exec with the tuned environment")
    ap.add_argument("--merge-into", action="store_true",
                    help="add the results under results.workload_g of an existing --out JSON (bench/run.mjs uses it)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    R = dict(train=3, fwd=3, rf=1) if args.quick else dict(train=20, fwd=30, rf=3)
    torch.manual_seed(0)
    model = Model()
    x = torch.randn(B, 4, H, W)
    ys = {f"s{s}": torch.poisson(torch.full((B, n), 2.0)) for s, n in enumerate(SIZES)}
    keys = list(model.readouts.keys())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    out = {"neurons_total": sum(SIZES), "sessions": SESSIONS, "threads": args.threads,
           "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"), "torch": torch.__version__}

    model.train()
    step = [0]

    def train_step():
        key = keys[step[0] % len(keys)]
        step[0] += 1
        opt.zero_grad(set_to_none=True)
        pred = model(x, key)
        loss = (pred - ys[key] * torch.log(pred + EPS)).mean()
        loss.backward()
        opt.step()

    ts = timeit(train_step, R["train"], warmup=len(keys))
    out["train_step"] = {"seconds_per_batch": stats(ts), "images_per_s": stats([B / t for t in ts])}
    print("  train_step    img/s", out["train_step"]["images_per_s"], flush=True)

    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    fwd = [0]

    def forward():
        key = keys[fwd[0] % len(keys)]
        fwd[0] += 1
        with torch.no_grad():
            model(x, key)

    ts = timeit(forward, R["fwd"], warmup=3)
    out["forward_eval_no_grad"] = {"seconds_per_batch": stats(ts), "images_per_s": stats([B / t for t in ts])}
    print("  forward       img/s", out["forward_eval_no_grad"]["images_per_s"], flush=True)

    big = keys[SIZES.index(max(SIZES))]
    n_big = max(SIZES)
    subset = list(range(2 if args.quick else min(n_big, 8)))
    ctx = x[:, 1:4]

    def grad_rfs():
        img = x[:, :1].clone().requires_grad_(True)
        o = model(torch.cat([img, ctx], 1), big)
        for i, n in enumerate(subset):
            torch.autograd.grad(o[:, n].sum(), img, retain_graph=i < len(subset) - 1)

    ts = timeit(grad_rfs, R["rf"], warmup=1)
    out["gradient_rf_batchsum"] = {"neurons": len(subset), "seconds": stats(ts),
                                   "image_neuron_grads_per_s": stats([B * len(subset) / t for t in ts])}
    print("  grad RF (img,neuron)/s", out["gradient_rf_batchsum"]["image_neuron_grads_per_s"], flush=True)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if args.merge_into and os.path.exists(args.out):
        with open(args.out) as f:
            res = json.load(f)
        res.setdefault("results", {})["workload_g"] = out
    else:
        res = {"results": {"workload_g": out}}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
