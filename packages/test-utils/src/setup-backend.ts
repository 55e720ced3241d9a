/**
 * Vitest setup file: start the backend the tests run on (`SAL_TEST_BACKEND`, default `wasm`, the
 * default backend users get). Numerics that must match a reference also run on `cpu` inside the test.
 */
import { beforeAll } from 'vitest';
import { initBackend, type BackendPreference } from '@sal/backend';

beforeAll(async () => {
  await initBackend({ prefer: (process.env['SAL_TEST_BACKEND'] as BackendPreference | undefined) ?? 'wasm' });
});
