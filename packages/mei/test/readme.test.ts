/** The README's example runs and prints what the README says it prints. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as backend from '@sal/backend';
import * as mei from '../src/index.js';

const MODULES: Record<string, unknown> = { '@tensorflow/tfjs-core': tf, '@sal/backend': backend, '@sal/mei': mei };

describe('README', () => {
  it('the example prints its documented output', async () => {
    const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(text)![1]!;
    const printed = /\nprints\n\n```\n([\s\S]*?)```/.exec(text)![1]!;
    // imports become lookups in MODULES
    const body = code
      .replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = __modules['$2'];")
      .replace(/^import \{([^}]+)\} from '([^']+)';$/gm, "const {$1} = __modules['$2'];");
    expect(body).not.toMatch(/^import /m);
    const lines: string[] = [];
    const log = (...args: unknown[]): void => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
    const before = tf.memory().numTensors;
    await new AsyncFunction('__modules', 'console', body)(MODULES, { log });
    expect(lines.join('\n') + '\n').toBe(printed);
    expect(tf.memory().numTensors).toBe(before);
  });
});
