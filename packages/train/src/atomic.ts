/** Atomic replacement of a whole directory (Node only; the single-file write is `writeFileAtomic` of `@sal/types/node`). */
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempNameBeside, writeFileAtomic } from '@sal/types/node';

/**
 * What may be replaced: nothing there yet, an empty directory, or a directory `isOurs` recognises (e.g. a
 * checkpoint). Anything else (a file, a folder of data) is refused by {@link replaceDirAtomic} with `refuse`.
 */
export async function isReplaceableDir(dir: string, isOurs: (dir: string) => Promise<boolean>): Promise<boolean> {
  let st: Awaited<ReturnType<typeof lstat>> | undefined;
  try {
    st = await lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  if (!st.isDirectory()) return false;
  if ((await readdir(dir)).length === 0) return true;
  return isOurs(dir);
}

/** Remove leftovers `.<name>.<tag>-*` of earlier saves beside `dir` (interrupted by a crash), except `keep`. */
async function removeLeftovers(dir: string, tags: readonly string[], keep: string | null): Promise<void> {
  const parent = dirname(dir);
  const prefixes = tags.map((t) => `.${basename(dir)}.${t}-`);
  for (const n of await readdir(parent)) {
    const p = join(parent, n);
    if (p !== keep && prefixes.some((pre) => n.startsWith(pre))) await rm(p, { recursive: true, force: true });
  }
}

/**
 * Replace directory `dir` atomically: `fill(tmpDir)` writes the new content into a temporary directory
 * beside it; only when it succeeds is the old directory moved aside, the new one renamed into place and
 * the old one removed. Any failure leaves the previous directory as it was. Temporary folders left by an
 * earlier save that was killed (`.<name>.tmp-*`, `.<name>.old-*`) are removed, so a folder has one writer at a
 * time (as a training run has). When `isOurs` is given, an
 * existing `dir` that is neither empty nor recognised by it is never touched: `refuse(dir)` is thrown.
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
  guard?: { isOurs: (dir: string) => Promise<boolean>; refuse: (dir: string) => Error },
): Promise<void> {
  if (guard && !(await isReplaceableDir(dir, guard.isOurs))) throw guard.refuse(dir);
  await mkdir(dirname(dir), { recursive: true });
  const tmp = tempNameBeside(dir, 'tmp');
  await removeLeftovers(dir, ['tmp'], null);
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = tempNameBeside(dir, 'old');
  let moved = false;
  try {
    await rename(dir, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  await pauseAt('between-renames');
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (moved) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (moved) await rm(old, { recursive: true, force: true });
  // leftovers of an earlier save interrupted between its renames are obsolete now
  await removeLeftovers(dir, ['old'], null);
}

/** How often each pause point has been reached in this process. */
const reached = new Map<string, number>();

/**
 * Test hook for crash tests: when the environment variable `SAL_TEST_PAUSE_AT` is `point` or `point:n`, then the
 * first (or n-th) time this point is reached the process writes `point:n` to the file `SAL_TEST_PAUSE_FILE` and
 * waits forever, so that a test can kill it exactly there. Without the variable this does nothing.
 */
export async function pauseAt(point: string): Promise<void> {
  const env = typeof process !== 'undefined' ? process.env : {};
  const want = env['SAL_TEST_PAUSE_AT'];
  if (!want?.startsWith(point)) return;
  const count = (reached.get(point) ?? 0) + 1;
  reached.set(point, count);
  if (want !== point && want !== `${point}:${count}`) return;
  const file = env['SAL_TEST_PAUSE_FILE'];
  // atomically: the test kills the process as soon as the file exists, and a file written in place can exist still
  // empty (a crash test once read '' instead of `between-renames:3`)
  if (file) await writeFileAtomic(file, `${point}:${count}`);
  await new Promise(() => setInterval(() => undefined, 60_000)); // keeps the process alive until it is killed
}
