/**
 * An app bundled with esbuild trains: esbuild tree-shakes by the package's `sideEffects`, so every module that
 * registers something when imported (tfjs's gradient functions) must be declared there, or the bundle fails with
 * "Cannot compute gradient: gradient function not found for …". Bundles the built `dist` as users get it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// One step of gradient descent on a conv + sum loss: needs the gradients of Conv2D, Mul, Sum and Square.
const app = `
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@sal/backend';

await initBackend({ prefer: 'cpu' });
const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 }, (_, i) => Math.sin(i)), [2, 5, 5, 1]);
const w = tf.variable(tf.tensor4d(Array.from({ length: 9 }, (_, i) => (i - 4) / 10), [3, 3, 1, 1]));
const loss = () => tf.sum(tf.square(tf.conv2d(x, w, 1, 'valid')));
const before = loss().dataSync()[0];
const { grads } = tf.variableGrads(loss);
w.assign(tf.sub(w, tf.mul(grads[w.name], 0.01)));
const after = loss().dataSync()[0];
console.log(JSON.stringify({ before, after }));
`;

let dir = '';
beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: pkgDir, stdio: 'inherit' });
  dir = mkdtempSync(join(pkgDir, '.bundle-test-'));
  return () => rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('a bundled app', () => {
  it('keeps the gradient registrations and trains a step', async () => {
    writeFileSync(join(dir, 'app.mjs'), app);
    const out = join(dir, 'bundle.mjs');
    await build({
      entryPoints: [join(dir, 'app.mjs')],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'error',
      // the backends load their .wasm / native files from their own folders, and must share tfjs-core with the
      // bundle: keep tfjs and the optional native add-on external, bundle @sal/backend itself
      external: ['@tensorflow/*', '@sal/native'],
      nodePaths: [join(pkgDir, 'node_modules'), join(pkgDir, '..', '..', 'node_modules')],
    });
    const printed = execFileSync(process.execPath, [out], { cwd: pkgDir, encoding: 'utf8' });
    const { before, after } = JSON.parse(printed.trim().split('\n').at(-1)!) as { before: number; after: number };
    expect(Number.isFinite(before)).toBe(true);
    expect(after).toBeLessThan(before);
  });
});
