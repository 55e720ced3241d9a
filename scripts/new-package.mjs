#!/usr/bin/env node
// Scaffolds packages/<name> with the shared layout: package.json (ESM, exports with the @sal/source
// condition), tsconfig.json (editor/typecheck/tests), tsconfig.build.json (dist), vitest.config.ts,
// README.md, CHANGELOG.md, LICENSE (published packages: a `prepack` build and a `repository` field too),
// typedoc.json (API docs, `npm run docs`), src/index.ts and test/.
// Usage: node scripts/new-package.mjs <name> "<description>" [--tf] [--private] [--deps @sal/types,...]
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = '', ...rest] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [--tf] [--private] [--deps a,b]');
  process.exit(2);
}
const tf = rest.includes('--tf');
const isPrivate = rest.includes('--private');
const depsIdx = rest.indexOf('--deps');
// bare names are workspace packages: --deps types,layers means @sal/types, @sal/layers
const deps =
  depsIdx >= 0
    ? (rest[depsIdx + 1] ?? '')
        .split(',')
        .filter(Boolean)
        .map((d) => (d.startsWith('@') ? d : `@sal/${d}`))
    : [];
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`${dir} exists`);
  process.exit(2);
}
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });

const pkg = {
  name: `@sal/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  ...(isPrivate ? { private: true } : {}),
  exports: {
    '.': { '@sal/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  },
  types: './dist/index.d.ts',
  files: ['dist', 'src'],
  engines: { node: '>=20.19' },
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json',
    test: 'vitest run',
    ...(isPrivate ? {} : { 'check:pkg': 'publint --strict && attw --pack . --profile esm-only', prepack: 'npm run build' }),
  },
  dependencies: Object.fromEntries(deps.map((d) => [d, '^0.1.0'])),
  ...(tf ? { peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' }, devDependencies: { '@tensorflow/tfjs-core': '4.22.0' } } : {}),
  ...(isPrivate
    ? {}
    : {
        publishConfig: { access: 'public' },
        repository: { type: 'git', url: 'git+https://github.com/sal-project/sal.git', directory: `packages/${name}` },
      }),
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true },
      include: ['src', 'test'],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [] },
      include: ['src'],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/${name}'${tf ? ", { setupFiles: ['../test-utils/src/setup-backend.ts'] }" : ''});
`,
);
writeFileSync(join(dir, 'README.md'), `# @sal/${name}\n\n${description}\n\n\`\`\`sh\nnpm install @sal/${name}\n\`\`\`\n`);
if (!isPrivate) copyFileSync('LICENSE', join(dir, 'LICENSE')); // npm packs the package's own LICENSE only
writeFileSync(join(dir, 'CHANGELOG.md'), `# @sal/${name}\n`);
writeFileSync(
  join(dir, 'typedoc.json'),
  JSON.stringify(
    {
      $schema: 'https://typedoc.org/schema.json',
      extends: ['../../typedoc.base.json'],
      entryPoints: ['src/index.ts'],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(join(dir, 'src', 'index.ts'), `export {};\n`);
console.log(`created ${dir}`);
