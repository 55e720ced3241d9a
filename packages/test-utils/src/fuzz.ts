/**
 * A small harness for fuzz suites of bad inputs: each case runs under a time limit and must end in a typed error
 * whose message names the input (file, member or option), or in a load that its oracle accepts; afterwards
 * `Object.prototype` must be unchanged and the case's folder must hold no temporary (partial) file.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';

export interface FuzzCase {
  category: string;
  name: string;
  /** Produce the outcome (may throw). */
  run: () => unknown;
  /** What a typed error's message must contain (a file name, a member, an option). */
  names: string | RegExp;
  /** When `run` returns: check the result is correct (throw or return false if not). Absent: a load is a failure. */
  oracle?: (result: unknown) => boolean | void;
  /** A folder in which no temporary file may be left. */
  dir?: string;
}

export interface FuzzReport {
  category: string;
  cases: number;
  typedErrors: number;
  correctLoads: number;
  failures: string[];
}

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join();
const PROTO_TO_STRING = Object.prototype.toString;

/** Temporary files left anywhere under `dir` (names of our temp files: `.x.tmp-…`, `.x.old-…`, `*.tmp`). */
export function tempFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (/\.tmp-|\.old-|\.tmp$/.test(n)) out.push(p);
      try {
        if (statSync(p).isDirectory()) walk(p);
      } catch {
        /* a dangling link */
      }
    }
  };
  walk(dir);
  return out;
}

function isTyped(e: unknown): e is Error {
  return e instanceof SalDataError || e instanceof SalConfigError || e instanceof SalShapeError || e instanceof TypeError;
}

/** Run every case (in order, each within `limitMs`) and report per category. */
export async function runFuzz(cases: readonly FuzzCase[], limitMs = 5000): Promise<FuzzReport[]> {
  const reports = new Map<string, FuzzReport>();
  for (const c of cases) {
    const r = reports.get(c.category) ?? { category: c.category, cases: 0, typedErrors: 0, correctLoads: 0, failures: [] };
    reports.set(c.category, r);
    r.cases++;
    const t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'hang'>((res) => {
      timer = setTimeout(() => res('hang'), limitMs);
    });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | 'hang';
    try {
      outcome = await Promise.race([
        Promise.resolve()
          .then(c.run)
          .then((value) => ({ ok: true as const, value })),
        timeout,
      ]);
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timer);
    }
    const ms = performance.now() - t0;
    const fail = (why: string): void => {
      r.failures.push(`${c.name}: ${why}`);
    };
    if (outcome === 'hang' || ms > limitMs) fail(`no answer within ${limitMs} ms`);
    else if (outcome.ok) {
      let good = false;
      try {
        good = c.oracle !== undefined && c.oracle(outcome.value) !== false;
      } catch (e) {
        fail(`wrong load: ${(e as Error).message}`);
      }
      if (good) r.correctLoads++;
      else if (c.oracle === undefined) fail('loaded, but only a typed error is acceptable');
      else if (!r.failures.some((f) => f.startsWith(`${c.name}:`))) fail('wrong load');
    } else if (!isTyped(outcome.error)) {
      fail(`untyped ${(outcome.error as Error)?.name}: ${(outcome.error as Error)?.message}`);
    } else {
      const msg = outcome.error.message;
      const named = typeof c.names === 'string' ? msg.includes(c.names) : c.names.test(msg);
      if (named) r.typedErrors++;
      else fail(`typed error not naming ${String(c.names)}: ${msg}`);
    }
    if (
      Object.getOwnPropertyNames(Object.prototype).sort().join() !== PROTO_NAMES ||
      Object.prototype.toString !== PROTO_TO_STRING ||
      ({} as Record<string, unknown>)['polluted'] !== undefined
    ) {
      fail('Object.prototype changed');
    }
    if (c.dir) {
      const left = tempFilesUnder(c.dir);
      if (left.length) fail(`temporary files left: ${left.join(', ')}`);
    }
  }
  return [...reports.values()];
}

/** A table of the reports, for the test log. */
export function formatReports(reports: readonly FuzzReport[]): string {
  const rows = reports.map(
    (r) =>
      `${r.category.padEnd(22)} ${String(r.cases).padStart(5)} ${String(r.typedErrors).padStart(8)} ${String(r.correctLoads).padStart(8)} ${String(r.failures.length).padStart(8)}`,
  );
  const total = reports.reduce((a, r) => ({ c: a.c + r.cases, e: a.e + r.typedErrors, l: a.l + r.correctLoads, f: a.f + r.failures.length }), {
    c: 0,
    e: 0,
    l: 0,
    f: 0,
  });
  return [
    `${'category'.padEnd(22)} ${'cases'.padStart(5)} ${'typed'.padStart(8)} ${'loads'.padStart(8)} ${'failures'.padStart(8)}`,
    ...rows,
    `${'total'.padEnd(22)} ${String(total.c).padStart(5)} ${String(total.e).padStart(8)} ${String(total.l).padStart(8)} ${String(total.f).padStart(8)}`,
  ].join('\n');
}
