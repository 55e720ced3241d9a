import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

function tmpName(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file atomically: into a temporary file beside it, then rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpName(path, 'tmp');
  try {
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Replace directory `dir` atomically: `fill(tmpDir)` writes the new content into a temporary directory
 * beside it; only when it succeeds is the old directory moved aside, the new one renamed into place and
 * the old one removed. Any failure leaves the previous directory as it was.
 */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = tmpName(dir, 'tmp');
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = tmpName(dir, 'old');
  let moved = false;
  try {
    await rename(dir, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') { await rm(tmp, { recursive: true, force: true }); throw e; }
  }
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (moved) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (moved) await rm(old, { recursive: true, force: true });
  // leftovers of an earlier save interrupted between its renames are obsolete now
  const prefix = `.${basename(dir)}.old-`;
  for (const n of await readdir(dirname(dir))) {
    if (n.startsWith(prefix)) await rm(join(dirname(dir), n), { recursive: true, force: true });
  }
}
