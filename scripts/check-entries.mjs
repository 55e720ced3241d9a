#!/usr/bin/env node
// Entry boundaries of every published package (each non-private packages/*, found by listing the folder): the main
// entry (`.`) and everything it imports, followed through relative imports and into other `@sal/*` packages' main
// entries, must not import Node built-ins (`node:*`, `fs`, …), sharp, or the native add-on: those live behind a
// `./node` subpath, so the main entry bundles for a browser and installs lean. Packages that are Node programs by
// nature are listed in NODE_ONLY with the reason. Exits 1 listing each offending import and the chain to it.
// Usage: node scripts/check-entries.mjs
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT, publishedPackages, workspacePackages } from './package-meta.mjs';

/** Main entries allowed to be Node-only, and why. */
export const NODE_ONLY = {
  '@sal/cli': 'the sal command: a Node program (files, worker processes)',
  '@sal/native': 'the native add-on itself (loads a compiled .node file)',
  '@sal/jobs': 'a PostgreSQL job queue: sockets, worker processes, a local server for tests, artefact files',
  '@sal/study': 'the study as a run: reads datasets from disk and writes its output folder (results.json, checkpoints, figures, the report)',
};

/** Imports no main entry may reach (besides Node built-ins). */
const FORBIDDEN = [/^sharp(\/|$)/, /^@sal\/native(\/|$)/, /^@tensorflow\/tfjs-node/];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const byName = new Map(workspacePackages().map((p) => [p.pkg.name, p]));

function mainSource(name) {
  const p = byName.get(name);
  const entry = p?.pkg.exports?.['.'];
  const src = typeof entry === 'object' ? entry['@sal/source'] : null;
  return src ? join(p.dir, src) : null;
}

/** Every bare import of a source file (static `import … from`, `export … from`, side-effect and dynamic imports). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const specs = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    if (!m[1]) specs.push({ spec: m[2], dynamic: false }); // type-only imports vanish at build
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push({ spec: m[1], dynamic: true });
  return specs;
}

function check(name) {
  const problems = [];
  const seen = new Set();
  const stack = [{ file: mainSource(name), chain: [name] }];
  while (stack.length) {
    const { file, chain } = stack.pop();
    if (!file || seen.has(file)) continue;
    seen.add(file);
    for (const { spec, dynamic } of importsOf(file)) {
      const where = [...chain, relative(ROOT, file)].join(' → ');
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        stack.push({ file: existsSync(ts) ? ts : resolve(dirname(file), spec), chain });
      } else if (builtins.has(spec)) {
        problems.push(`${where} imports the Node built-in '${spec}'`);
      } else if (FORBIDDEN.some((re) => re.test(spec))) {
        // an optional package loaded on demand behind a try/catch (e.g. @sal/backend's `await import('@sal/native')`)
        if (dynamic) continue;
        problems.push(`${where} imports '${spec}'`);
      } else if (spec.startsWith('@sal/')) {
        const [scope, pkg, ...sub] = spec.split('/');
        const dep = `${scope}/${pkg}`;
        if (sub.length) problems.push(`${where} imports the subpath '${spec}' (a Node-only entry)`);
        else if (dynamic) continue;
        else if (!(dep in NODE_ONLY)) stack.push({ file: mainSource(dep), chain: [...chain, dep] });
        else problems.push(`${where} imports '${spec}' (Node-only: ${NODE_ONLY[dep]})`);
      }
    }
  }
  return problems;
}

const problems = [];
let checked = 0;
for (const { pkg } of publishedPackages()) {
  if (pkg.name in NODE_ONLY) continue;
  checked++;
  problems.push(...check(pkg.name));
}
if (problems.length) {
  console.error(`entry boundaries: ${problems.length} import(s) a main entry must not reach:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `entry boundaries: the main entries of ${checked} packages import no Node built-in, sharp or native add-on (Node-only: ${Object.keys(NODE_ONLY).join(', ')})`,
);
