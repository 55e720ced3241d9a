import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalBackendError, SalConfigError, float64Routines } from '@sal/types';
import { backendInfo, describeBackend, initBackend } from '../src/index.js';

describe('initBackend', () => {
  it("'auto' never throws and starts the best available backend", async () => {
    const info = await initBackend({ prefer: 'auto' });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name);
    expect(backendInfo()).toBe(info);
    if (info.name === 'wasm') {
      // tfjs-node is not installed on machines without internet: auto must have skipped it with a reason
      expect(info.skipped.join('\n')).toMatch(/tfjs-node/);
      expect(info.patchedKernels).toContain('Conv2DBackpropFilter');
      expect(info.patchedKernels).toContain('UnsortedSegmentSum');
    }
    expect(describeBackend(info)).toContain(info.name);
  });

  it('wasm runs with SIMD and our kernels registered', async () => {
    const info = await initBackend({ prefer: 'wasm' });
    expect(info.name).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
  });

  it('registers @sal/native kernels when asked, and takes them back', async () => {
    const withNative = await initBackend({ prefer: 'wasm', native: true });
    // CI builds the addon (a C++ compiler is there); elsewhere the reason must be given
    if (withNative.native && 'unavailable' in withNative.native) expect(withNative.native.unavailable).not.toBe('');
    else {
      expect(withNative.native?.kernels).toContain('Conv2D');
      expect(withNative.native?.routines).toEqual(['symEig']);
      expect(float64Routines()?.symEig).toBeTypeOf('function');
      expect(describeBackend(withNative)).toMatch(/native (avx512|avx2|sse) kernels and symEig on \d+ threads?/);
    }
    const nat = await import('@sal/native');
    expect(nat.nativeKernelsRegistered()).toBe(withNative.native !== null && 'kernels' in withNative.native);
    const without = await initBackend({ prefer: 'wasm', native: false });
    expect(without.native).toBeNull();
    expect(nat.nativeKernelsRegistered()).toBe(false);
    expect(float64Routines()).toBeNull();
    await expect(initBackend({ prefer: 'wasm', native: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(SalConfigError);
  });

  it('an unavailable preference names what to install', async () => {
    let threw: unknown;
    try {
      const pkg = '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ pkg);
    } catch {
      // not installed here: initBackend must explain
      await initBackend({ prefer: 'node' }).catch((e: unknown) => {
        threw = e;
      });
      expect(threw).toBeInstanceOf(SalBackendError);
      expect((threw as Error).message).toContain('npm install @tensorflow/tfjs-node');
      await initBackend({ prefer: 'node-gpu' }).catch((e: unknown) => {
        threw = e;
      });
      expect((threw as Error).message).toContain('npm install @tensorflow/tfjs-node-gpu');
    }
    await expect(initBackend({ prefer: 'tpu' as never })).rejects.toBeInstanceOf(SalConfigError);
    // the previous backend still runs after a failed request
    await initBackend({ prefer: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('switches to cpu and back', async () => {
    expect((await initBackend({ prefer: 'cpu' })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend({ prefer: 'wasm' })).name).toBe('wasm');
  });
});
