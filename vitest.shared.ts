/**
 * Shared vitest settings for every package: source resolution through the `@sal/source` condition,
 * node environment, type tests in `*.test-d.ts`, and an optional setup file that starts the backend.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const conditions = ['@sal/source', 'module', 'node', 'import', 'default'];

export function packageTestConfig(name: string, opts: { setupFiles?: string[]; testTimeout?: number } = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      environment: 'node',
      include: ['test/**/*.test.ts'],
      setupFiles: opts.setupFiles ?? [],
      testTimeout: opts.testTimeout ?? 120_000,
      hookTimeout: 120_000,
      restoreMocks: true,
      pool: 'forks',
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    },
  });
}
