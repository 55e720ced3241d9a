#!/usr/bin/python3
"""PyTorch re-implementation of the MEI procedure of bench/mei.mjs (reference style, CPU).

    /usr/bin/python3 bench/mei_torch.py --steps 20 --out /tmp/mei_torch.json

Model: workload W of shared/reference/baseline.md (conv9x9 1->32 + BN + ELU, 2 x [conv3x3 32->32 + BN + ELU],
Gaussian readout of 100 neurons at learned positions, elu + 1), evaluation mode.
MEIs: one per neuron, all 100 neurons in one batch (K = 100 images of 1x64x64); init N(0, 0.1^2); per step:
forward, objective = sum_k out[k, k], backward, gradient blurred by sinzlab/mei's GaussianBlur (sigma 1,
truncate 4, reflect), Adam(lr=0.05) step on -objective, then ChangeNorm to an L2 norm of 10 per image.
"masked": the same with the MEI multiplied by a 14x14 box around each neuron's read point (the window the
windowed path of sal optimises), still on full images here.
Timed with torch.set_num_threads(2): MEIs per second = K / (seconds for `steps` steps).
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
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

H, W, C, N = 64, 64, 32, 100


class Core(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, C, 9, padding=4, bias=False)
        self.b1 = nn.BatchNorm2d(C)
        self.c2 = nn.Conv2d(C, C, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(C)
        self.c3 = nn.Conv2d(C, C, 3, padding=1, bias=False)
        self.b3 = nn.BatchNorm2d(C)

    def forward(self, x):
        x = F.elu(self.b1(self.c1(x)))
        x = F.elu(self.b2(self.c2(x)))
        return F.elu(self.b3(self.c3(x)))


class Readout(nn.Module):
    """FullGaussian2d in eval form (positions = mu, no sampling noise)."""

    def __init__(self):
        super().__init__()
        self.mu = nn.Parameter(torch.empty(N, 2).uniform_(-0.8, 0.8))
        self.features = nn.Parameter(torch.randn(C, N) / C ** 0.5)
        self.bias = nn.Parameter(torch.zeros(N))

    def forward(self, f):
        b = f.shape[0]
        grid = self.mu.clamp(-1, 1).view(1, N, 1, 2).expand(b, N, 1, 2)
        y = F.grid_sample(f, grid, mode="bilinear", padding_mode="zeros", align_corners=True)  # (b,C,N,1)
        return (y.squeeze(-1) * self.features.unsqueeze(0)).sum(1) + self.bias


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.core = Core()
        self.readout = Readout()

    def forward(self, x):
        return F.elu(self.readout(self.core(x))) + 1


def gaussian_blur(x, sigma, truncate=4.0):
    """sinzlab/mei's GaussianBlur: separable, normalised, reflect padding."""
    half = max(int(round(sigma * truncate)), 1)
    k = torch.exp(-torch.arange(-half, half + 1, dtype=x.dtype) ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    c = x.shape[1]
    y = F.pad(x, (half, half, half, half), mode="reflect")
    y = F.conv2d(y, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(y, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)


def synthesize(model, steps, mask=None, lr=0.05, sigma=1.0, norm=10.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    k = N
    x = (torch.randn(k, 1, H, W, generator=g) * 0.1).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    idx = torch.arange(k)
    for _ in range(steps):
        opt.zero_grad()
        img = x * mask if mask is not None else x
        out = model(img)
        obj = out[idx, idx].sum()
        (-obj).backward()
        with torch.no_grad():
            x.grad.copy_(gaussian_blur(x.grad, sigma))
        opt.step()
        with torch.no_grad():
            x.mul_(norm / x.flatten(1).norm(dim=1).clamp_min(1e-12).view(k, 1, 1, 1))
    with torch.no_grad():
        img = x * mask if mask is not None else x
        return img, model(img)[idx, idx]


def window_masks(model, side=14, r=6):
    """A side x side box per neuron around its read point (top-left at floor(p) - r, as sal's windows)."""
    mu = model.readout.mu.detach().clamp(-1, 1)
    px = (mu[:, 0] + 1) * (W - 1) / 2
    py = (mu[:, 1] + 1) * (H - 1) / 2
    m = torch.zeros(N, 1, H, W)
    for n in range(N):
        oy, ox = int(torch.floor(py[n])) - r, int(torch.floor(px[n])) - r
        m[n, 0, max(0, oy):max(0, oy + side), max(0, ox):max(0, ox + side)] = 1
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--out", default=None)
    ap.add_argument("--env-as-is", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = Model().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    masks = window_masks(model)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": a.steps, "neurons": N}
    for name, mask in (("full", None), ("masked", masks)):
        synthesize(model, 2, mask)  # warm-up
        ts = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            synthesize(model, a.steps, mask)
            ts.append(time.perf_counter() - t0)
        med = statistics.median(ts)
        res[name] = {"seconds": med, "meis_per_s": N / med}
    print(json.dumps(res, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
