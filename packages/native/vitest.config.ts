import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.ts';

// Every test on the add-on the CPU calls for (the widest it supports), then the kernel and symEig tests again on
// the AVX2 and baseline (x86-64, SSE2) add-ons, forced by SAL_NATIVE_ISA, against the same cpu-backend references:
// a machine without AVX-512 runs those paths. (A forced path the CPU does not support falls back to the widest it
// does; test/loader.test.ts checks which one ran.)
const base = packageTestConfig('@sal/native');
const forced = (isa: string) => {
  const c = packageTestConfig(`@sal/native (${isa})`);
  const include = ['test/kernels.test.ts', 'test/symeig.test.ts', 'test/loader.test.ts'];
  return { ...c, test: { ...c.test, include, env: { SAL_NATIVE_ISA: isa }, typecheck: { enabled: false } } };
};

export default defineConfig({ test: { projects: [base, forced('avx2'), forced('baseline')] } });
