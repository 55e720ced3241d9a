#!/usr/bin/env node
// The registry test: what a user gets from the registry, checked against what each README promises.
//
// Starts Verdaccio on 127.0.0.1 (a random free port, a temp storage folder, no uplinks: nothing of `@sal/*` can come
// from elsewhere), publishes every published package (each non-private packages/*, found by listing the folder),
// then for each package, in a fresh temp folder and once with npm and once with pnpm: installs exactly the README's
// install line (`npm install …`; `pnpm add …` with the same packages), runs the README's example (the first code
// block that imports an `@sal/` package; TypeScript types stripped with esbuild, nothing else changed) and compares
// what it prints with the README's printed block, character for character. Packages whose README has no example
// are installed and their entry points imported. Other packages (tfjs, sharp, …) come from the usual registry
// through `@sal:registry`, so only `@sal/*` is redirected. Verdaccio is stopped at the end, and the temp folders
// removed.
//
// Quick mode (the default, run by `npm test`): the native add-on is not compiled at install (SAL_NATIVE_SKIP_BUILD=1,
// as on a machine without a compiler: the examples print what the READMEs print, on the wasm backend). `--full` also
// compiles it at install as users with a compiler get it, and runs the README examples with it.
// Also prints the installed size of each package alone (npm, `node_modules` on disk), the table in the README.
//
// `--sizes` only installs each README line with npm and prints the sizes (no examples run): the README's table.
//
// Usage: node scripts/test-registry.mjs [--full] [--only name,name] [--keep] [--sizes]
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { ROOT, isPlatformPackage, publishedPackages } from './package-meta.mjs';
import { EXAMPLE_FIXTURES } from './registry-fixtures.mjs';

const argv = process.argv.slice(2);
const full = argv.includes('--full');
const keep = argv.includes('--keep');
const sizesOnly = argv.includes('--sizes');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(argv[onlyIdx + 1].split(',').map((n) => (n.startsWith('@sal/') ? n : `@sal/${n}`))) : null;
const cIdx = argv.indexOf('--concurrency');
const concurrency = cIdx >= 0 ? Number(argv[cIdx + 1]) : 2;
const t0 = Date.now();
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeout ?? 600_000, ...opts });
  if (opts.check !== false && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd ?? process.cwd()}) exited ${r.status ?? r.signal}:\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  }
  return r;
}

function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd ?? process.cwd()}) exited ${code ?? signal}:\n${stdout}\n${stderr}`));
    });
  });
}

async function pool(tasks, n) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, n) }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The README's install line, its example and the printed output below it. */
export function readmeParts(text) {
  const blocks = [];
  const re = /^```([a-z]*)\n([\s\S]*?)^```\s*$/gm;
  for (const m of text.matchAll(re)) blocks.push({ lang: m[1], body: m[2], start: m.index, end: m.index + m[0].length });
  const installBlock = blocks.find((b) => b.body.split('\n').some((l) => /^npm install /.test(l)));
  const install = installBlock?.body.split('\n').find((l) => /^npm install /.test(l)) ?? null;
  // commands shown with the install line (`npx sal demo …`): checked to resolve to the installed bin
  const commands = installBlock?.body.split('\n').filter((l) => /^npx /.test(l)) ?? [];
  const exIdx = blocks.findIndex((b) => ['ts', 'js', 'typescript', 'javascript'].includes(b.lang) && /from '@sal\//.test(b.body));
  if (exIdx < 0) return { install, commands, example: null, printed: null };
  const example = blocks[exIdx];
  const next = blocks[exIdx + 1];
  const between = next ? text.slice(example.end, next.start) : '';
  const printed = next && next.lang === '' && /print/i.test(between) ? next.body : null;
  return { install, commands, example: example.body, lang: example.lang, printed, printedNote: between.trim() };
}

function dirSize(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) {
        total += lstatSync(p).size;
        continue;
      }
      if (e.isDirectory()) walk(p);
      else total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main() {
  // the per-platform binary package (@sal/native-linux-x64-gnu) is published in --full mode only, built by its
  // prepack; in quick mode it is absent from the registry, as on a platform it does not cover, and @sal/native's
  // optional dependency on it is skipped by npm and pnpm
  const toPublish = publishedPackages().filter((p) => full || !isPlatformPackage(p.pkg));
  const packages = toPublish.filter((p) => !isPlatformPackage(p.pkg) && (!only || only.has(p.pkg.name)));
  const work = mkdtempSync(join(tmpdir(), 'sal-registry-'));
  const port = await freePort();
  const registry = `http://127.0.0.1:${port}/`;
  const upstream = run('npm', ['config', 'get', 'registry']).stdout.trim();
  const storage = join(work, 'storage');
  mkdirSync(storage);
  writeFileSync(join(work, 'htpasswd'), '');
  writeFileSync(
    join(work, 'config.yaml'),
    [
      `storage: ${JSON.stringify(storage)}`,
      'auth:',
      `  htpasswd: { file: ${JSON.stringify(join(work, 'htpasswd'))}, max_users: 1 }`,
      'uplinks: {}',
      'packages:',
      "  '@sal/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all }",
      'log: { type: stdout, format: pretty, level: error }',
      'publish: { allow_offline: true }',
      '',
    ].join('\n'),
  );
  console.log(`## registry test (${full ? 'full' : 'quick'}): Verdaccio on ${registry}, ${packages.length} packages`);
  const server = spawn(process.execPath, [bin('verdaccio'), '--config', join(work, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VERDACCIO_HANDLE_KILL_SIGNALS: 'true' },
  });
  let serverLog = '';
  server.stdout.on('data', (d) => {
    serverLog += d;
  });
  server.stderr.on('data', (d) => {
    serverLog += d;
  });
  const failures = [];
  const notes = [];
  const sizes = [];
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${registry}-/ping`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 300 || server.exitCode !== null) throw new Error(`Verdaccio did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // a user to publish with (Verdaccio's htpasswd plugin creates it and returns its token)
    const user = await fetch(`${registry}-/user/org.couchdb.user:sal-test`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sal-test', password: 'sal-test-password' }),
    });
    if (!user.ok) throw new Error(`Verdaccio refused the test user: ${user.status} ${await user.text()}`);
    const { token } = await user.json();
    const npmrc = join(work, 'publish.npmrc');
    writeFileSync(npmrc, `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);

    // the packages as built by `npm run build` (turbo: cached when `npm test` has built them); `prepack` would build
    // each again, which scripts/package-meta.mjs checks is there
    run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...publishedPackages().map((p) => `--filter=${p.pkg.name}`)], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (!sizesOnly) run(process.execPath, [join(ROOT, 'scripts', 'package-meta.mjs')], { stdio: 'inherit' });
    const tPublish = Date.now();
    for (const { dir, pkg } of toPublish.filter((p) => isPlatformPackage(p.pkg))) {
      console.log(`building ${pkg.name} (its prepack)`);
      run('npm', ['run', 'prepack'], { cwd: dir, stdio: 'inherit' });
    }
    await Promise.all(
      toPublish.map(async ({ dir, pkg }) => {
        const r = await runAsync('npm', ['publish', '--json', '--ignore-scripts', '--userconfig', npmrc, '--registry', registry], { cwd: dir });
        const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
        const files = (out.files ?? out[pkg.name]?.files ?? []).map((f) => f.path);
        for (const want of ['LICENSE', 'package.json', 'README.md']) if (!files.includes(want)) failures.push(`${pkg.name}: the tarball has no ${want}`);
        if (isPlatformPackage(pkg)) {
          for (const want of pkg.files) if (!files.includes(want)) failures.push(`${pkg.name}: the tarball has no ${want}`);
        } else if (!files.some((f) => f.startsWith('dist/'))) failures.push(`${pkg.name}: the tarball has no dist/`);
      }),
    );
    console.log(`published ${toPublish.length} packages in ${((Date.now() - tPublish) / 1000).toFixed(1)} s`);

    const env = {
      ...process.env,
      npm_config_registry: upstream,
      ...(full ? {} : { SAL_NATIVE_SKIP_BUILD: '1' }),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    for (const k of Object.keys(env)) {
      if (k.startsWith('npm_package_') || k.startsWith('SAL_') || k === 'npm_config_userconfig' || k === 'INIT_CWD') delete env[k];
    }
    if (!full) env.SAL_NATIVE_SKIP_BUILD = '1';
    const pnpmStore = join(work, 'pnpm-store');
    const tasks = [];
    for (const { pkg, dir } of packages) {
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      const parts = readmeParts(readme);
      if (!parts.install) {
        failures.push(`${pkg.name}: README has no \`npm install\` line`);
        continue;
      }
      const managers = sizesOnly ? ['npm'] : ['npm', 'pnpm'];
      const names = parts.install
        .replace(/^npm install /, '')
        .replace(/\s+#.*$/, '')
        .trim()
        .split(/\s+/);
      if (!names.includes(pkg.name)) failures.push(`${pkg.name}: README's install line does not install it: ${parts.install}`);
      // what the example imports must be installed by the line itself (npm's hoisting hides a missing one; pnpm does not)
      const imported = new Set(
        [...(parts.example ?? '').matchAll(/from '((?:@[\w.-]+\/)?[\w.-]+)[^']*'/g)].map((m) => m[1]).filter((n) => !n.startsWith('node:')),
      );
      for (const name of imported)
        if (!names.includes(name)) failures.push(`${pkg.name}: the README example imports ${name}, which its install line does not install: ${parts.install}`);
      for (const pm of managers)
        tasks.push(async () => {
          const label = `${pkg.name} [${pm}]`;
          const t1 = Date.now();
          const app = join(work, `${pkg.name.replace('@sal/', '')}-${pm}`);
          mkdirSync(app);
          writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }) + '\n');
          writeFileSync(join(app, '.npmrc'), `@sal:registry=${registry}\n`);
          try {
            if (pm === 'npm') await runAsync('npm', ['install', '--prefer-offline', '--no-package-lock', ...names], { cwd: app, env });
            else await runAsync(bin('pnpm'), ['add', '--prefer-offline', '--store-dir', pnpmStore, ...names], { cwd: app, env });
            if (pm === 'npm') sizes.push({ name: pkg.name, line: names.join(' '), bytes: dirSize(join(app, 'node_modules')) });
            if (sizesOnly) {
              /* sizes only: nothing runs */
            } else if (parts.example) {
              const code = parts.lang.startsWith('t') ? transformSync(parts.example, { loader: 'ts', format: 'esm', target: 'node20' }).code : parts.example;
              writeFileSync(join(app, 'example.mjs'), code);
              // data or a server the example names (scripts/registry-fixtures.mjs), made as a user would have it
              const fixture = await EXAMPLE_FIXTURES[pkg.name]?.(app);
              let r;
              try {
                r = await runAsync(process.execPath, ['example.mjs'], { cwd: app, env: { ...env, ...fixture?.env } });
              } finally {
                await fixture?.stop();
              }
              if (parts.printed === null) notes.push(`${label}: the example runs; its README shows no printed output to compare`);
              else if (r.stdout !== parts.printed) {
                failures.push(`${label}: the example printed\n${indent(r.stdout)}\n  but the README says\n${indent(parts.printed)}`);
              }
            } else {
              // no example: every entry point of every installed @sal package imports
              for (const name of names.filter((n) => n.startsWith('@sal/'))) {
                const exp = JSON.parse(readFileSync(join(app, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')).exports ?? {};
                for (const sub of Object.keys(exp).filter((s) => s !== './package.json')) {
                  const spec = sub === '.' ? name : `${name}/${sub.slice(2)}`;
                  await runAsync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(spec)})`], { cwd: app, env });
                }
              }
            }
            for (const line of sizesOnly ? [] : parts.commands) {
              // `npx sal demo --out x` → `npx --no-install sal demo --help`: the installed bin runs (npx must not fetch
              // an unrelated package of that name) and knows the command
              const [bin, sub] = line.replace(/^npx /, '').split(/\s+/);
              const args = ['--no-install', bin, ...(sub && !sub.startsWith('-') ? [sub] : []), '--help'];
              const h = await runAsync('npx', args, { cwd: app, env });
              if (!/^Usage: /m.test(h.stdout)) failures.push(`${label}: \`npx ${args.join(' ')}\` printed no usage:\n${indent(h.stdout)}`);
            }
            const failed = failures.some((f) => f.startsWith(`${label}:`));
            console.log(
              `${failed ? 'FAIL' : 'ok'} ${label}: ${parts.install}${sizesOnly ? ', installed (sizes only)' : parts.example ? ', README example prints what the README says' : ', entry points import'} (${((Date.now() - t1) / 1000).toFixed(1)} s)`,
            );
          } catch (e) {
            failures.push(`${label}: ${e.message}`);
            console.log(`FAIL ${label} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
          } finally {
            if (!keep) rmSync(app, { recursive: true, force: true });
          }
        });
    }
    await pool(tasks, concurrency);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    if (!keep) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
  if (sizes.length) {
    console.log('\n| package | README install line (`npm install …`) | node_modules on disk |\n|---|---|---|');
    for (const s of sizes) console.log(`| \`${s.name}\` | \`${s.line}\` | ${fmtMB(s.bytes)} |`);
  }
  for (const n of notes) console.log(`note: ${n}`);
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (failures.length) {
    console.error(`\nregistry test: ${failures.length} failure(s) in ${secs} s:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`\nregistry test: ${packages.length} packages installed with npm and pnpm, READMEs checked, in ${secs} s`);
}

function indent(s) {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

await main();
