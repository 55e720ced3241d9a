/**
 * Fuzz suite of generated bad inputs for the CLI (seeded, deterministic): config files of `sal train`, `sal demo`,
 * `sal simulate` and `sal report`, `sal train` output folders, checkpoints (as `sal grf` reads them) and gRF files
 * (`sal pca`). Each case ends in a typed error naming the input, or in a load its oracle accepts; no case hangs,
 * leaves a temporary file, touches a file it must not, or changes Object.prototype.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { encodeNpy } from '@sal/saliency-loader';
import { loadCheckpoint } from '@sal/train/node';
import { createRng } from '@sal/types';
import { formatReports, runFuzz, type FuzzCase } from '@sal/test-utils/fuzz';
import { checkSections, readConfigFile } from '../src/config.js';
import { QUICK_STUDY, resolveStudyConfig } from '@sal/study';
import { simulateCommand } from '../src/commands/simulate.js';
import { trainCommand, readTrainDatasetOptions } from '../src/commands/train.js';
import { pcaCommand } from '../src/commands/pca.js';
import { reportCommand } from '../src/commands/report.js';
import { demoCommand } from '../src/commands/demo.js';

const root = mkdtempSync(join(tmpdir(), 'sal-cli-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rng = createRng(41);
const factories = { core: coreFromConfig, readout: readoutFromConfig };
const data = join(root, 'data');
const ckpt = join(root, 'ckpt');
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const b = bytes.slice();
  b[at] = (b[at]! ^ (1 + rng.int(255))) & 0xff;
  return b;
};
let n = 0;
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(root, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
};
const baseTrain = () => ({
  data,
  out: join(root, `out-${n++}`),
  variant: 'images',
  crop: [
    [8, 8],
    [8, 8],
  ],
  scale: 0.5,
  core: { hiddenChannels: 4, inputKern: 5 },
  train: { maxEpochs: 1 },
});

beforeAll(async () => {
  writeFileSync(
    join(root, 'sim.json'),
    JSON.stringify({ height: 48, width: 64, nTrainImages: 40, nTestImages: 4, testRepeats: 3, nSessions: 1, neuronsPerSession: 3, calibrationImages: 30 }),
  );
  await simulateCommand({ out: data, seed: '2', config: join(root, 'sim.json'), quiet: true });
  writeFileSync(join(root, 'train.json'), JSON.stringify({ ...baseTrain(), out: ckpt }));
  await trainCommand({ config: join(root, 'train.json'), quiet: true });
}, 120_000);

function buildCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];

  // -------------------------------------------------------------- sal train configs (refused before any training)
  const trainBad: [string, unknown, string | RegExp][] = [
    ['__proto__ at the top', '{"__proto__": {"polluted": 1}}', '__proto__'],
    ['__proto__ in core', { core: JSON.parse('{"__proto__": {"toString": 1}}') }, '__proto__'],
    ['constructor.prototype in train', { train: { constructor: { prototype: { polluted: 1 } } } }, 'constructor'],
    ['prototype in readout', { readout: { prototype: 1 } }, 'prototype'],
    ['unknown key', { epochs: 3 }, 'epochs'],
    ['variant unknown', { variant: 'nope' }, 'variant'],
    ['variant 5', { variant: 5 }, 'variant'],
    ['seed -1', { seed: -1 }, 'seed'],
    ['seed 1.5', { seed: 1.5 }, 'seed'],
    ['seed "1"', { seed: '1' }, 'seed'],
    ['crop 5', { crop: 5 }, 'crop'],
    ['crop [[1]]', { crop: [[1]] }, 'crop'],
    [
      'crop negative',
      {
        crop: [
          [-1, 0],
          [0, 0],
        ],
      },
      'crop',
    ],
    ['crop null', { crop: null }, 'crop'],
    ['scale 0', { scale: 0 }, 'scale'],
    ['scale "x"', { scale: 'x' }, 'scale'],
    ['scale -2', { scale: -2 }, 'scale'],
    ['gradientSigma -1', { gradientSigma: -1 }, 'gradientSigma'],
    ['data 7', { data: 7 }, 'data'],
    ['out null', { out: null }, 'out'],
    ['core 5', { core: 5 }, 'core'],
    ['train []', { train: [] }, 'train'],
    ['train.maxEpochs "x"', { train: { maxEpochs: 'x' } }, 'maxEpochs'],
    ['train.lr -1', { train: { lr: -1 } }, 'lr'],
    ['core.unknown', { core: { hidden: 3 } }, 'core.hidden'],
    ['out = data', { out: data }, 'out'],
    ['out inside data', { out: join(data, 'sessions', 'x') }, 'out'],
    ['data inside out', { out: root }, 'out'],
    ['data missing', { data: join(root, 'missing') }, 'missing'],
    ['data is a file', { data: join(data, 'meta.json') }, 'meta.json'],
    ['scale 1e9', { scale: 1e9 }, 'scale'],
    ['gradientSigma 1e6 (all channels)', { gradientSigma: 1e6 }, 'gradientSigma'],
  ];
  for (const [name, over, names] of trainBad) {
    const base = baseTrain();
    const text =
      typeof over === 'string'
        ? over.replace('}', `, "data": ${JSON.stringify(data)}, "out": ${JSON.stringify(base.out)}}`)
        : JSON.stringify({ ...base, ...(over as object) });
    const cfg = file('train.json', text);
    cases.push({
      category: 'CLI configs',
      name: `sal train: ${name}`,
      names,
      dir: root,
      run: async () => {
        try {
          await trainCommand({ config: cfg, quiet: true });
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: a refused config that wrote its output must fail the case, whatever it threw
          if (existsSync(base.out)) throw new Error(`${base.out} was written by a refused config`);
        }
      },
    });
  }
  for (const [name, text] of [
    ['empty', ''],
    ['null', 'null'],
    ['array', '[1]'],
    ['string', '"x"'],
    ['truncated', '{"data": "x", "out"'],
    ['NaN literal', '{"seed": NaN}'],
    ['trailing comma', '{"seed": 1,}'],
    ['comment', '// x\n{}'],
  ] as const) {
    const cfg = file('bad.json', text);
    cases.push({ category: 'CLI configs', name: `sal train: ${name} file`, names: cfg, run: () => trainCommand({ config: cfg, quiet: true }) });
  }
  for (const [name, make] of [
    ['a missing file', () => join(root, 'nope.json')],
    ['a folder', () => root],
    [
      'a FIFO',
      () => {
        const p = join(root, `fifo-${n++}.json`);
        execFileSync('mkfifo', [p]);
        return p;
      },
    ],
    [
      'a link to /dev/zero',
      () => {
        const p = join(root, `zero-${n++}.json`);
        symlinkSync('/dev/zero', p);
        return p;
      },
    ],
  ] as const) {
    const cfg = make();
    cases.push({ category: 'CLI configs', name: `sal train --config ${name}`, names: cfg, run: () => trainCommand({ config: cfg, quiet: true }) });
  }
  // sal demo's config path without running the study: the same reader, section check and merge as demoCommand
  const demoConfig = (cfg: string) => {
    const o = readConfigFile(cfg);
    checkSections(QUICK_STUDY, o, 'sal demo --config');
    return resolveStudyConfig(QUICK_STUDY, o);
  };
  const sections = ['core', 'readout', 'train', 'analysis', 'simulation', 'crops', 'variants'];
  const badValues: unknown[] = [null, 5, 'x', [], [null], true, -1, 1e300, { nope: 1 }];
  for (const section of sections) {
    for (const v of badValues) {
      const cfg = file('demo.json', JSON.stringify({ [section]: v }));
      cases.push({ category: 'CLI configs', name: `sal demo: ${section} = ${JSON.stringify(v)}`, names: section, run: () => demoConfig(cfg) });
    }
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const cfg = file('demo.json', `{"${section}": {"${key}": {"polluted": 1, "toString": 1}}}`);
      cases.push({ category: 'CLI configs', name: `sal demo: ${section}.${key}`, names: key, run: () => demoConfig(cfg) });
    }
  }
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    const cfg = file('sim.json', `{"${key}": {"polluted": 1}, "seed": 1}`);
    cases.push({
      category: 'CLI configs',
      name: `sal simulate: ${key}`,
      names: key,
      run: () => simulateCommand({ out: join(root, `sim-${n++}`), config: cfg, quiet: true }),
    });
  }
  {
    const cfg = file('sim.json', '{"height": -5}');
    cases.push({
      category: 'CLI configs',
      name: 'sal simulate: height -5',
      names: 'height',
      run: () => simulateCommand({ out: join(root, `sim-${n++}`), config: cfg, quiet: true }),
    });
  }

  // -------------------------------------------------------------- sal train output folders
  const outCases: [string, (out: string) => void, boolean, string][] = [
    ['an existing file', (o) => writeFileSync(o, 'precious'), false, 'out'],
    [
      'a folder of data',
      (o) => {
        mkdirSync(o);
        writeFileSync(join(o, 'precious.txt'), 'x');
      },
      false,
      'out',
    ],
    [
      'a folder with a foreign model.json',
      (o) => {
        mkdirSync(o);
        writeFileSync(join(o, 'model.json'), '{"format": "other"}');
      },
      false,
      'out',
    ],
    [
      'a folder with a model.json FIFO',
      (o) => {
        mkdirSync(o);
        execFileSync('mkfifo', [join(o, 'model.json')]);
      },
      false,
      'out',
    ],
    ['a link to /dev/null', (o) => symlinkSync('/dev/null', o), false, 'out'],
    ['a file, with --force (moved aside)', (o) => writeFileSync(o, 'precious'), true, 'out'],
  ];
  for (const [name, make, force, names] of outCases) {
    const base = baseTrain();
    const cfg = file('train.json', JSON.stringify(base));
    cases.push({
      category: 'output paths',
      name,
      names,
      run: async () => {
        make(base.out);
        await trainCommand({ config: cfg, quiet: true, force });
        // only --force gets here: the old content must survive beside the new checkpoint
        const aside = readdirSync(root).filter((x) => x.startsWith(`${base.out.split('/').pop()}.replaced-`));
        return { aside: aside.map((a) => join(root, a)), out: base.out };
      },
      oracle: (v) => {
        const { aside, out } = v as { aside: string[]; out: string };
        if (aside.length !== 1 || readFileSync(aside[0]!, 'utf8') !== 'precious') throw new Error('the old out was not kept');
        return existsSync(join(out, 'model.json'));
      },
    });
  }

  // other commands' output paths: a file where a folder must go, a folder under a file
  const aFile = file('a-file', 'precious');
  const g0 = Float32Array.from({ length: 2 * 5 * 3 * 4 }, (_, i) => Math.cos(i) + (i % 3));
  const outPathCases: [string, () => Promise<unknown>, string][] = [
    ['sal simulate --out a file', () => simulateCommand({ out: aFile, config: join(root, 'sim.json'), quiet: true }), 'a-file'],
    ['sal simulate --out under a file', () => simulateCommand({ out: join(aFile, 'sub'), config: join(root, 'sim.json'), quiet: true }), 'a-file'],
    ['sal pca --out a file', () => pcaCommand({ grf: file('grf.npy', encodeNpy({ data: g0, shape: [2, 5, 3, 4] })), out: aFile, quiet: true }), 'a-file'],
    [
      'sal pca --out under a file',
      () => pcaCommand({ grf: file('grf.npy', encodeNpy({ data: g0, shape: [2, 5, 3, 4] })), out: join(aFile, 'x'), quiet: true }),
      'a-file',
    ],
    ['sal demo --out a file', () => demoCommand({ out: aFile, quick: true, quiet: true }), 'a-file'],
    ['sal demo --out under a file', () => demoCommand({ out: join(aFile, 'x'), quick: true, quiet: true }), 'a-file'],
  ];
  for (const [name, run, names] of outPathCases) {
    cases.push({
      category: 'output paths',
      name,
      names,
      dir: root,
      run: async () => {
        try {
          return await run();
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: a changed file must fail the case, whatever the command threw
          if (readFileSync(aFile, 'utf8') !== 'precious') throw new Error('the file was changed');
        }
      },
    });
  }

  // -------------------------------------------------------------- checkpoints (as sal grf loads them)
  const ckptFiles = readdirSync(ckpt);
  const original = new Map(ckptFiles.map((f) => [f, new Uint8Array(readFileSync(join(ckpt, f)))]));
  const copy = (): string => {
    const d = join(root, `ck-${n++}`);
    cpSync(ckpt, d, { recursive: true });
    return d;
  };
  const loads = async (d: string): Promise<unknown> => {
    const { encoder, trainer, config } = await loadCheckpoint(d, factories);
    try {
      const weights = Object.fromEntries(Object.entries(encoder.getWeights()).map(([k, w]) => [k, Array.from(w.dataSync())]));
      return { weights, config, savedConfig: JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')).config, built: encoder.getConfig() };
    } finally {
      encoder.dispose();
      if (trainer) tf.dispose(Object.values(trainer.tensors));
    }
  };
  let reference: unknown = null;
  const sameModel = (v: unknown): boolean => {
    const r = v as { weights: unknown; built: unknown; savedConfig: unknown };
    const ref = reference as { weights: unknown };
    // what loads is what the files say: the checksummed weights, and the config as written
    if (JSON.stringify(r.weights) !== JSON.stringify(ref.weights)) throw new Error('weights differ from the saved ones');
    if (JSON.stringify(r.built) !== JSON.stringify(r.savedConfig)) throw new Error('the built encoder differs from its saved config');
    return true;
  };
  cases.push({
    category: 'checkpoints',
    name: 'the intact checkpoint (reference)',
    names: 'x',
    run: async () => {
      reference = await loads(ckpt);
      return reference;
    },
    oracle: () => true,
  });
  for (const f of ['model.json', 'weights.bin', 'trainer.json', 'trainer.bin', 'dataset.json']) {
    const bytes = original.get(f)!;
    for (let k = 0; k < 12; k++) {
      const d = copy();
      const at = rng.int(bytes.length);
      cases.push({
        category: 'checkpoints',
        name: `${f} byte ${at} flipped`,
        names: /model\.json|weights\.bin|trainer\.json|trainer\.bin|dataset\.json/,
        dir: d,
        oracle: sameModel,
        run: async () => {
          writeFileSync(join(d, f), flip(bytes, at));
          if (f === 'dataset.json') {
            readTrainDatasetOptions(join(d, f));
          }
          return loads(d);
        },
      });
    }
    const d = copy();
    cases.push({
      category: 'checkpoints',
      name: `${f} truncated`,
      names: f,
      dir: d,
      run: async () => {
        writeFileSync(join(d, f), bytes.subarray(0, Math.floor(bytes.length / 2)));
        if (f === 'dataset.json') readTrainDatasetOptions(join(d, f));
        return loads(d);
      },
    });
    const d2 = copy();
    cases.push({
      category: 'checkpoints',
      name: `${f} missing`,
      names: f === 'trainer.bin' ? 'trainer.bin' : f,
      dir: d2,
      oracle: f === 'trainer.json' ? sameModel : undefined,
      run: async () => {
        rmSync(join(d2, f));
        if (f === 'dataset.json') readTrainDatasetOptions(join(d2, f));
        return loads(d2);
      },
    });
  }
  const modelDoc = JSON.parse(new TextDecoder().decode(original.get('model.json')!)) as Record<string, unknown>;
  const manifest = (paths: unknown) => ({ ...modelDoc, weightsManifest: [{ ...(modelDoc['weightsManifest'] as object[])[0], paths }] });
  const docCases: [string, unknown, string | RegExp][] = [
    ['weights path ../../../../etc/hostname', manifest(['../../../../etc/hostname']), 'weights path'],
    ['weights path /etc/hostname', manifest(['/etc/hostname']), 'weights path'],
    ['weights path sub/weights.bin', manifest(['sub/weights.bin']), 'weights path'],
    ['weights path 7', manifest([7]), 'weights path'],
    ['two paths', manifest(['weights.bin', 'weights.bin']), 'one path'],
    ['weights path /dev/zero', manifest(['/dev/zero']), 'weights path'],
    ['format other', { ...modelDoc, format: 'other' }, 'format'],
    ['version 99', { ...modelDoc, version: 99 }, 'version'],
    ['config null', { ...modelDoc, config: null }, 'config'],
    ['config.core missing', { ...modelDoc, config: { ...(modelDoc['config'] as object), core: undefined } }, 'config.core'],
    ['readouts {}', { ...modelDoc, config: { ...(modelDoc['config'] as object), readouts: {} } }, 'readouts'],
    ['byteLength 1e12', { ...modelDoc, byteLength: 1e12 }, 'byteLength'],
    ['checksum wrong', { ...modelDoc, checksum: '00000000' }, 'checksum'],
    [
      'a weight shape of 2^40',
      { ...modelDoc, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'x', shape: [2 ** 20, 2 ** 20], dtype: 'float32' }] }] },
      /byteLength|bytes/,
    ],
    ['core kind unknown', { ...modelDoc, config: { ...(modelDoc['config'] as object), core: { kind: 'cores.nope', config: {} } } }, 'model.json'],
  ];
  for (const [name, doc, names] of docCases) {
    const d = copy();
    cases.push({
      category: 'checkpoints',
      name,
      names,
      dir: d,
      run: async () => {
        writeFileSync(join(d, 'model.json'), JSON.stringify(doc));
        return loads(d);
      },
    });
  }
  for (const [name, text] of [
    ['__proto__ readout', JSON.stringify(modelDoc).replace('"readouts":{', '"readouts":{"__proto__":{"kind":"x","config":{}},')],
    ['constructor in config', JSON.stringify(modelDoc).replace('"config":{', '"config":{"constructor":{"prototype":{"polluted":1}},')],
  ] as const) {
    const d = copy();
    cases.push({
      category: 'checkpoints',
      name,
      names: /__proto__|constructor/,
      dir: d,
      run: async () => {
        writeFileSync(join(d, 'model.json'), text);
        return loads(d);
      },
    });
  }
  for (const [name, make] of [
    ['a missing checkpoint', () => join(root, 'no-ckpt')],
    ['a file', () => join(ckpt, 'model.json')],
    [
      'model.json is a FIFO',
      () => {
        const d = copy();
        rmSync(join(d, 'model.json'));
        execFileSync('mkfifo', [join(d, 'model.json')]);
        return d;
      },
    ],
    [
      'weights.bin links to /dev/zero',
      () => {
        const d = copy();
        rmSync(join(d, 'weights.bin'));
        symlinkSync('/dev/zero', join(d, 'weights.bin'));
        return d;
      },
    ],
    [
      'model.json is a folder',
      () => {
        const d = copy();
        rmSync(join(d, 'model.json'));
        mkdirSync(join(d, 'model.json'));
        return d;
      },
    ],
  ] as const) {
    cases.push({ category: 'checkpoints', name, names: /no-ckpt|model\.json|weights\.bin/, run: () => loads(make()) });
  }
  const dsDoc = JSON.parse(new TextDecoder().decode(original.get('dataset.json')!)) as Record<string, unknown>;
  for (const [name, doc] of [
    ['data null', { ...dsDoc, data: null }],
    ['scale "x"', { ...dsDoc, scale: 'x' }],
    ['crop 5', { ...dsDoc, crop: 5 }],
    ['gradientSigma -1', { ...dsDoc, gradientSigma: -1 }],
    ['an array', [1]],
    ['null', null],
  ] as const) {
    const p = file('dataset.json', JSON.stringify(doc));
    cases.push({ category: 'checkpoints', name: `dataset.json ${name}`, names: p, run: () => readTrainDatasetOptions(p) });
  }
  {
    const p = file('dataset.json', '{"__proto__": {"data": "/etc"}, "data": "x", "crop": [[0,0],[0,0]], "scale": 1, "gradientSigma": 1}');
    cases.push({ category: 'checkpoints', name: 'dataset.json __proto__', names: '__proto__', run: () => readTrainDatasetOptions(p) });
  }

  // -------------------------------------------------------------- gRF files (sal pca)
  const grf = (arr: Parameters<typeof encodeNpy>[0]): string => file('grf.npy', encodeNpy(arr));
  const g = Float32Array.from({ length: 2 * 5 * 3 * 4 }, (_, i) => Math.sin(i * 0.7) + (i % 5));
  const pcaCases: [string, () => string, string | RegExp, boolean?][] = [
    ['valid [2,5,3,4]', () => grf({ data: g, shape: [2, 5, 3, 4] }), 'x', true],
    ['3-D', () => grf({ data: g, shape: [10, 3, 4] }), 'neurons, images'],
    ['all zero', () => grf({ data: new Float32Array(g.length), shape: [2, 5, 3, 4] }), 'constant'],
    ['constant per gRF', () => grf({ data: Float32Array.from(g, (_, i) => Math.floor(i / 12)), shape: [2, 5, 3, 4] }), 'constant'],
    ['a NaN', () => grf({ data: Float32Array.from(g, (v, i) => (i === 7 ? Number.NaN : v)), shape: [2, 5, 3, 4] }), 'finite'],
    ['an Infinity', () => grf({ data: Float32Array.from(g, (v, i) => (i === 9 ? Infinity : v)), shape: [2, 5, 3, 4] }), 'finite'],
    ['int64', () => grf({ data: new BigInt64Array(g.length), shape: [2, 5, 3, 4] }), 'float'],
    ['uint8', () => grf({ data: new Uint8Array(g.length), shape: [2, 5, 3, 4] }), 'float'],
    ['truncated', () => file('grf.npy', encodeNpy({ data: g, shape: [2, 5, 3, 4] }).subarray(0, 100)), 'grf.npy'],
    [
      'random bytes',
      () =>
        file(
          'grf.npy',
          Uint8Array.from({ length: 300 }, () => rng.int(256)),
        ),
      'grf.npy',
    ],
    ['missing', () => join(root, 'missing-grf.npy'), 'missing-grf.npy'],
    [
      'a FIFO',
      () => {
        const p = join(root, `fifo-${n++}.npy`);
        execFileSync('mkfifo', [p]);
        return p;
      },
      'fifo',
    ],
    [
      'a link to /dev/zero',
      () => {
        const p = join(root, `zero-${n++}.npy`);
        symlinkSync('/dev/zero', p);
        return p;
      },
      'zero',
    ],
    [
      'a huge declared shape',
      () =>
        file(
          'grf.npy',
          encodeNpy({ data: g, shape: [2, 5, 3, 4] }).map((b, i, a) => (i >= 10 && i < 10 + 60 && String.fromCharCode(b) === '2' && a[i + 1] === 44 ? 57 : b)),
        ),
      'grf.npy',
    ],
  ];
  for (const [name, make, names, ok] of pcaCases) {
    const out = join(root, `pca-${n++}`);
    cases.push({
      category: 'gRF files',
      name: `sal pca: ${name}`,
      names,
      dir: root,
      run: async () => {
        await pcaCommand({ grf: make(), out, components: '2', quiet: true });
        return out;
      },
      oracle: ok ? (v) => existsSync(join(v as string, 'neuron1.eigenvalues.npy')) : undefined,
    });
  }
  for (let k = 0; k < 20; k++) {
    const bytes = encodeNpy({ data: g, shape: [2, 5, 3, 4] });
    const b = flip(bytes, rng.int(128));
    const out = join(root, `pca-${n++}`);
    cases.push({
      category: 'gRF files',
      name: `sal pca: header byte flip #${k}`,
      names: /grf\.npy|neurons|finite|constant|float/,
      dir: root,
      run: async () => {
        await pcaCommand({ grf: file('grf.npy', b), out, components: '2', quiet: true });
        return out;
      },
      oracle: (v) => existsSync(join(v as string, 'neuron0.eigenvalues.npy')),
    });
  }

  // -------------------------------------------------------------- sal report: results.json
  for (const [name, text] of [
    ['missing', null],
    ['empty', ''],
    ['null', 'null'],
    ['truncated', '{"config": {'],
    ['an array', '[]'],
    ['no models', '{"config": {}, "seconds": {}}'],
    ['models not objects', '{"config": {}, "models": [1], "seconds": {}}'],
    ['__proto__', '{"__proto__": {"polluted": 1}, "config": {}, "models": [], "seconds": {}}'],
    ['constructor in config', '{"config": {"constructor": {"prototype": {"polluted": 1}}}, "models": [], "seconds": {}}'],
  ] as const) {
    const d = join(root, `report-${n++}`);
    mkdirSync(d);
    if (text !== null) writeFileSync(join(d, 'results.json'), text);
    cases.push({
      category: 'CLI configs',
      name: `sal report: results.json ${name}`,
      names: /results\.json|__proto__|constructor/,
      dir: d,
      run: () => reportCommand({ out: d, quiet: true }),
    });
  }
  return cases;
}

describe('CLI fuzz suite (seeded)', () => {
  it('generated bad configs, output folders, checkpoints and gRF files: typed errors or correct loads; no hang, no temp file, no prototype change', async () => {
    const cases = buildCases();
    const t0 = performance.now();
    const reports = await runFuzz(cases, 20_000);
    console.log(`CLI fuzz: ${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s\n${formatReports(reports)}`);
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });
});
