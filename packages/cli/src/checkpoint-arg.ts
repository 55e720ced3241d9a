/** The `--checkpoint` argument of `sal grf` and `sal mei`: a folder `sal train` wrote, checked before it is read. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SalConfigError } from '@sal/types';

/**
 * Throw a `SalConfigError` naming `option` and the path unless `dir` is a folder holding a `dataset.json` (what
 * `sal train` writes with every checkpoint), instead of the raw `ENOENT` of a later read.
 */
export function checkCheckpointArg(where: string, option: string, dir: string): void {
  const isDir = existsSync(dir) && statSync(dir).isDirectory();
  if (!isDir || !existsSync(join(dir, 'dataset.json'))) {
    throw new SalConfigError(where, option, `a checkpoint directory written by sal train (with dataset.json)${isDir ? '' : '; no such directory'}`, dir);
  }
}
