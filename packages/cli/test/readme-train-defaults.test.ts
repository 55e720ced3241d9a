/** The README's table of `sal train` defaults says what `sal train` uses (DEMO_STUDY's core and readout, DATA_TRAIN_DEFAULTS). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DATA_TRAIN_DEFAULTS, DEMO_STUDY } from '@sal/study';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const row = (section: string): string => {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${section}\` |`));
  if (!line) throw new Error(`README: no defaults row for ${section}`);
  return line;
};
/** `name` followed by its value, as the table writes it (`lr` 0.005, `neuronShiftGain` true). */
const says = (line: string, name: string, value: unknown): boolean => new RegExp(`\`${name}\` ${String(value).replace('.', '\\.')}(?![0-9.])`).test(line);

describe('README: sal train defaults', () => {
  it('lists every core, readout and train default with its value', () => {
    for (const [section, values] of [
      ['core', DEMO_STUDY.core],
      ['readout', DEMO_STUDY.readout],
      ['train', DATA_TRAIN_DEFAULTS],
    ] as const) {
      const line = row(section);
      for (const [k, v] of Object.entries(values)) expect(says(line, k, v), `${section}.${k} = ${v} in: ${line}`).toBe(true);
    }
  });
});
