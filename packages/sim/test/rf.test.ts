import { describe, expect, it } from 'vitest';
import { computeFeatureMaps, createPopulation, neuronRate, pooledEnergy, type FeatureMaps, type FeaturePreference, type NeuronTruth } from '../src/index.js';

/** A grey image with a Gaussian-windowed grating at (cx, cy): bars at `orientation`, period `period` px. */
function gratingPatch(h: number, w: number, cx: number, cy: number, orientation: number, period: number, radius: number): Uint8Array {
  const img = new Uint8Array(h * w);
  // the grating varies along the bars' normal n = (−sin θ, cos θ)
  const nx = -Math.sin(orientation),
    ny = Math.cos(orientation);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const env = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius * radius));
      const v = 128 + 100 * env * Math.sin((2 * Math.PI * ((x - cx) * nx + (y - cy) * ny)) / period);
      img[y * w + x] = Math.round(v);
    }
  }
  return img;
}

function neuronAt(x: number, y: number, sigma: number, feature: FeaturePreference): NeuronTruth {
  return {
    session: 'sim0',
    index: 0,
    id: 0,
    x,
    y,
    sigma,
    feature,
    baseline: 0.5,
    gain: 1,
    slope: 2,
    threshold: 0,
    logEnergyMean: 2,
    logEnergyStd: 1,
    shifts: false,
    shiftStrength: 0,
  };
}

describe('receptive fields', () => {
  const h = 236,
    w = 420;

  it('an oriented neuron responds more to its preferred grating at its RF centre than far away or orthogonal', () => {
    for (const [scale, period] of [
      ['fine', 8],
      ['coarse', 16],
    ] as const) {
      for (const theta of [0, Math.PI / 4, 1.2]) {
        const n = neuronAt(210, 160, 14, { kind: 'oriented', scale, orientation: theta, selectivity: 0.9 });
        const here = computeFeatureMaps(gratingPatch(h, w, n.x, n.y, theta, period, 12), h, w);
        const far = computeFeatureMaps(gratingPatch(h, w, 60, 40, theta, period, 12), h, w);
        const orth = computeFeatureMaps(gratingPatch(h, w, n.x, n.y, theta + Math.PI / 2, period, 12), h, w);
        const rHere = neuronRate(n, here),
          rFar = neuronRate(n, far),
          rOrth = neuronRate(n, orth);
        expect(rHere).toBeGreaterThan(2 * rFar);
        expect(rHere).toBeGreaterThan(1.5 * rOrth);
        // far away the neuron sits at its baseline plus the nonlinearity at a near-zero drive
        expect(rFar).toBeLessThan(1);
      }
    }
  });

  it('a blob neuron prefers dots at its centre to dots far away', () => {
    const img = (cx: number, cy: number): Uint8Array => {
      const a = new Uint8Array(h * w).fill(128);
      for (let k = -2; k <= 2; k++) {
        for (let l = -2; l <= 2; l++) {
          const dx = cx + 10 * k,
            dy = cy + 10 * l;
          for (let y = Math.round(dy) - 3; y <= Math.round(dy) + 3; y++) {
            for (let x = Math.round(dx) - 3; x <= Math.round(dx) + 3; x++) {
              if ((x - dx) ** 2 + (y - dy) ** 2 <= 9) a[y * w + x] = 240;
            }
          }
        }
      }
      return a;
    };
    const n = neuronAt(200, 150, 14, { kind: 'blob', scale: 'fine', orientation: 0, selectivity: 0 });
    expect(neuronRate(n, computeFeatureMaps(img(200, 150), h, w))).toBeGreaterThan(2 * neuronRate(n, computeFeatureMaps(img(60, 50), h, w)));
  });

  it('structure-tensor maps of a linear ramp: Jxx = (slope·level pixel)², Jxy = Jyy = blob = 0 inside', () => {
    const alpha = 0.3; // grey levels per pixel along x
    const ramp = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) ramp[y * w + x] = 20 + alpha * x;
    const m = computeFeatureMaps(ramp, h, w);
    expect(m.stride).toBe(4);
    expect(m.offset).toBe(1.5);
    // fine scale works at half resolution (2 px per level pixel), coarse at quarter resolution
    const y = 30,
      x = 50,
      i = y * m.width + x;
    expect(m.maps[0]![i]).toBeCloseTo((2 * alpha) ** 2, 4);
    expect(m.maps[1]![i]).toBeCloseTo(0, 6);
    expect(m.maps[2]![i]).toBeCloseTo(0, 6);
    expect(m.maps[3]![i]).toBeCloseTo(0, 6);
    expect(m.maps[4]![i]).toBeCloseTo((4 * alpha) ** 2, 4);
    expect(m.maps[6]![i]).toBeCloseTo(0, 6);
  });

  it('pooled energy of constant maps is the analytic quadratic form; windows off the image see zeros', () => {
    const gh = 40,
      gw = 60,
      a = 3,
      b = -1,
      c = 2,
      blob = 5;
    const fill = (v: number) => new Float32Array(gh * gw).fill(v);
    const maps: FeatureMaps = {
      stride: 4,
      offset: 1.5,
      height: gh,
      width: gw,
      maps: [fill(a), fill(b), fill(c), fill(blob), fill(a), fill(b), fill(c), fill(blob)],
    };
    for (const theta of [0, 0.3, Math.PI / 2, 2.5]) {
      const k = 0.7,
        s = Math.sin(theta),
        co = Math.cos(theta);
      const want = k * (s * s * a - 2 * s * co * b + co * co * c) + ((1 - k) * (a + c)) / 2;
      const f: FeaturePreference = { kind: 'oriented', scale: 'coarse', orientation: theta, selectivity: k };
      expect(pooledEnergy(f, maps, 120, 80, 10)).toBeCloseTo(want, 10);
    }
    const fb: FeaturePreference = { kind: 'blob', scale: 'fine', orientation: 0, selectivity: 0 };
    expect(pooledEnergy(fb, maps, 120, 80, 10)).toBeCloseTo(blob, 10);
    // centred exactly on the grid's first column: about half the window lies outside
    const edge = pooledEnergy(fb, maps, 1.5, 80, 12);
    expect(edge).toBeGreaterThan(0.4 * blob);
    expect(edge).toBeLessThan(0.65 * blob);
  });

  it('populations place RF centres inside rfRegion with σ in range', () => {
    const opts = { rfRegion: [0.4, 0.6, 0.5, 0.7] as const, rfSigma: [0.05, 0.06] as const, nSessions: 3, neuronsPerSession: 30 };
    const pop = createPopulation(opts);
    expect(pop.length).toBe(90);
    for (const n of pop) {
      expect(n.x >= 0.4 * 420 && n.x <= 0.6 * 420).toBe(true);
      expect(n.y >= 0.5 * 236 && n.y <= 0.7 * 236).toBe(true);
      expect(n.sigma >= 0.05 * 236 - 1e-3 && n.sigma <= 0.06 * 236 + 1e-3).toBe(true);
    }
    const oriented = pop.filter((n) => n.feature.kind === 'oriented').length;
    expect(oriented).toBeGreaterThan(0.5 * 90);
    expect(oriented).toBeLessThan(0.9 * 90);
  });
});
