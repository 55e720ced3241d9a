#!/usr/bin/env node
// Checks what every published package (each non-private packages/*/package.json, found by listing the folder)
// needs in its tarball and metadata: license MIT and a LICENSE file (a copy of the root LICENSE: npm packs a
// package's own LICENSE, never the repository's), a `repository` field with its directory (changesets and npm
// link to the source with it), a `prepack` script that builds (so `npm publish` never ships a package without
// `dist`), and `publishConfig.access: public`. Exits 1 listing what is missing.
// Usage: node scripts/package-meta.mjs [--fix]   (--fix writes what is missing)
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REPOSITORY_URL = 'git+https://github.com/sal-project/sal.git';

/** Every workspace package under packages/, with its folder and package.json, in name order. */
export function workspacePackages() {
  const dir = join(ROOT, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => ({ dir: join(dir, d.name), pkg: JSON.parse(readFileSync(join(dir, d.name, 'package.json'), 'utf8')) }))
    .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
}

/** The packages that are published: every non-private one. */
/** A per-platform package of prebuilt binaries (like esbuild's `@esbuild/linux-x64`): `os` and `cpu` set. */
export function isPlatformPackage(pkg) {
  return Array.isArray(pkg.os) && Array.isArray(pkg.cpu);
}

export function publishedPackages() {
  return workspacePackages().filter((p) => !p.pkg.private);
}

function check(fix) {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  const problems = [];
  for (const { dir, pkg } of publishedPackages()) {
    const rel = relative(ROOT, dir);
    const own = [];
    let changed = false;
    if (pkg.license !== 'MIT') own.push(`license is ${JSON.stringify(pkg.license)}, not "MIT"`);
    const lf = join(dir, 'LICENSE');
    if (!existsSync(lf) || readFileSync(lf, 'utf8') !== license) {
      if (fix) writeFileSync(lf, license);
      else own.push('no LICENSE (a copy of the root LICENSE)');
    }
    const repo = { type: 'git', url: REPOSITORY_URL, directory: rel.split('\\').join('/') };
    if (JSON.stringify(pkg.repository) !== JSON.stringify(repo)) {
      if (fix) {
        pkg.repository = repo;
        changed = true;
      } else own.push(`repository is not ${JSON.stringify(repo)}`);
    }
    if (isPlatformPackage(pkg)) {
      // a per-platform binary package (os/cpu set): its prepack compiles the binaries; nothing for turbo to build
      if (!/build-prebuilt/.test(pkg.scripts?.prepack ?? '')) own.push('prepack does not build the prebuilt binaries');
    } else if (!pkg.scripts?.build) own.push('no build script');
    if (!isPlatformPackage(pkg) && pkg.scripts?.prepack !== 'npm run build') {
      if (fix) {
        pkg.scripts = { ...pkg.scripts, prepack: 'npm run build' };
        changed = true;
      } else own.push('prepack is not "npm run build"');
    }
    if (pkg.publishConfig?.access !== 'public') {
      if (fix) {
        pkg.publishConfig = { ...pkg.publishConfig, access: 'public' };
        changed = true;
      } else own.push('publishConfig.access is not "public"');
    }
    if (changed) writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
    for (const p of own) problems.push(`${pkg.name} (${rel}): ${p}`);
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = check(process.argv.includes('--fix'));
  if (problems.length) {
    console.error(`package metadata: ${problems.length} problem(s); \`node scripts/package-meta.mjs --fix\` fixes most:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`package metadata: ${publishedPackages().length} published packages have LICENSE, repository, prepack and public access`);
}
