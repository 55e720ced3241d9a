/** The README's example prints what the README says. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { aucJudd, nss, sim } from '../src/index.js';

describe('README', () => {
  it('the example prints the line shown', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const printed = [aucJudd([0.1, 0.4, 0.3, 0.2], [2]).toFixed(4), nss([1, 2, 3, 4], [3]).toFixed(4), sim([1, 1], [1, 3]).toFixed(2)].join(' ');
    expect(printed).toBe('0.8333 1.3416 0.75');
    expect(readme).toContain(`// prints: ${printed}`);
    expect(readme).toContain('console.log(aucJudd([0.1, 0.4, 0.3, 0.2], [2]).toFixed(4), nss([1, 2, 3, 4], [3]).toFixed(4), sim([1, 1], [1, 3]).toFixed(2));');
  });
});
