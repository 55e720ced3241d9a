import { afterEach, describe, expect, it, vi } from 'vitest';

// @sal/native standing in for one that cannot run here (no add-on for this machine): initBackend must say why once.
vi.mock('@sal/native', () => ({
  registerNativeKernels: () => [],
  unregisterNativeKernels: () => undefined,
  nativeStatus: () => ({
    available: false,
    reason: 'no add-on: test stand-in',
    simd: null,
    isa: null,
    isaReason: '',
    source: null,
    prebuiltSkipped: '',
    threads: 0,
    path: null,
  }),
  nativeFloat64Routines: () => null,
  NATIVE_FLOAT64_ROUTINES: [],
}));

const { initBackend } = await import('../src/index.js');

describe('initBackend without usable native kernels', () => {
  const saved = { quiet: process.env['SAL_NATIVE_QUIET'], native: process.env['SAL_NATIVE'] };
  afterEach(() => {
    for (const [k, v] of [
      ['SAL_NATIVE_QUIET', saved.quiet],
      ['SAL_NATIVE', saved.native],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('keeps quiet when asked (option or SAL_NATIVE_QUIET=1), and when SAL_NATIVE=0 switched them off', async () => {
    delete process.env['SAL_NATIVE'];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect((await initBackend({ prefer: 'wasm', native: true, quiet: true })).native).toEqual({ unavailable: 'no add-on: test stand-in' });
    await initBackend({ prefer: 'wasm', native: false });
    process.env['SAL_NATIVE_QUIET'] = '1';
    await initBackend({ prefer: 'wasm', native: true });
    delete process.env['SAL_NATIVE_QUIET'];
    await initBackend({ prefer: 'wasm', native: false });
    process.env['SAL_NATIVE'] = '0';
    await initBackend({ prefer: 'wasm', native: true });
    expect(warn).not.toHaveBeenCalled();
  });

  it('prints the reason once per process (stderr), then no more', async () => {
    delete process.env['SAL_NATIVE'];
    delete process.env['SAL_NATIVE_QUIET'];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await initBackend({ prefer: 'wasm', native: false });
    const info = await initBackend({ prefer: 'wasm', native: true });
    expect(info.native).toEqual({ unavailable: 'no add-on: test stand-in' });
    await initBackend({ prefer: 'wasm', native: false });
    await initBackend({ prefer: 'wasm', native: true });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      '@sal/backend: native kernels not used (no add-on: test stand-in); the slower wasm kernels run ' +
        'instead. Set SAL_NATIVE_QUIET=1 (or initBackend({ quiet: true })) to silence this.',
    );
  });

  it('checks the quiet option', async () => {
    await expect(initBackend({ prefer: 'wasm', quiet: 'yes' as unknown as boolean })).rejects.toThrow(/quiet/);
  });
});
