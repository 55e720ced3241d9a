import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../src/config.js';

describe('sal config files', () => {
  it('config files: unreadable, invalid JSON and non-objects are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sal-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"seed": 1,');
    writeFileSync(join(dir, 'arr.json'), '[1]');
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(/missing.json \(ENOENT\)/);
    expect(() => readConfigFile(join(dir, 'bad.json'))).toThrow(/valid JSON/);
    expect(() => readConfigFile(join(dir, 'arr.json'))).toThrow(/a JSON object/);
  });
});
