import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/node/index.js';

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sal-atomic-'));
    try {
      await writeFileAtomic(join(dir, 'sub', 'a.txt'), 'one');
      await writeFileAtomic(join(dir, 'sub', 'a.txt'), new Uint8Array([116, 119, 111]));
      expect(await readFile(join(dir, 'sub', 'a.txt'), 'utf8')).toBe('two');
      expect(await readdir(join(dir, 'sub'))).toEqual(['a.txt']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('cleans its temporary file when the rename fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sal-atomic-'));
    try {
      // the target is a non-empty directory: rename fails
      await writeFileAtomic(join(dir, 't', 'x'), 'x');
      await expect(writeFileAtomic(join(dir, 't'), 'y')).rejects.toThrow();
      expect(await readdir(dir)).toEqual(['t']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
