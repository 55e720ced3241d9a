#!/usr/bin/env node
/** The `sal` command. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { SalConfigError } from '@sal/types';
import { demoCommand } from './commands/demo.js';
import { simulateCommand } from './commands/simulate.js';
import { trainCommand } from './commands/train.js';
import { grfCommand } from './commands/grf.js';
import { pcaCommand } from './commands/pca.js';
import { reportCommand } from './commands/report.js';
import { convertCommand } from './commands/convert.js';
import { sweepCommand, sweepRetryCommand, sweepStatusCommand } from './commands/sweep.js';
import { workerCommand } from './commands/worker.js';
import { reportDbCommand } from './commands/report-db.js';
import { meiCommand } from './commands/mei.js';
import { studyCommand } from './commands/study.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program
  .name('sal')
  .description('Model visual-cortex neurons and ask what drives them: saliency, shifter readouts, gradient receptive fields.')
  .version(version, '-V, --version', 'print the version of sal')
  .showHelpAfterError();

/**
 * Options a command cannot run without. Checked before the action but after commander's own checks, so a
 * mistyped flag (`--confg`) is reported as unknown rather than as a missing `--config` (commander checks
 * `requiredOption`s before unknown options).
 */
function required(cmd: Command, ...flags: string[]): Command {
  for (const f of flags) {
    const opt = cmd.options.find((o) => o.long === f);
    if (!opt) throw new Error(`sal: no option ${f} on ${cmd.name()}`);
    opt.description += ' (required)';
  }
  return cmd.hook('preAction', (self) => {
    for (const f of flags) {
      const opt = self.options.find((o) => o.long === f)!;
      if (self.getOptionValue(opt.attributeName()) === undefined) self.error(`error: required option '${opt.flags}' not specified`);
    }
  });
}

const backend = new Option('--backend <name>', 'tensor backend').choices(['auto', 'node-gpu', 'node', 'wasm', 'cpu']);

program
  .command('demo')
  .description('run the whole study on the embedded simulated V4 population and write an HTML report')
  .option('-o, --out <dir>', 'output directory', 'sal-out')
  .option('--seed <n>', 'seed of the simulation and the models')
  .option('--quick', 'a tiny configuration (seconds; for smoke tests)')
  .option('--config <file>', 'JSON overrides of the study configuration')
  .option('--verbose', 'print a line per training epoch')
  .option('--workers <n>', 'training processes (0: train in this process)', undefined)
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => demoCommand(flags));

required(
  program
    .command('study')
    .description("run the whole study on your own dataset (sal's dataset directory layout) and write an HTML report")
    .option('--data <dir>', 'dataset directory (meta.json, images, sessions/*.npz, optional saliency.npy)')
    .option('-o, --out <dir>', 'output directory', 'sal-study')
    .option('--config <file>', 'JSON overrides of the study configuration (see DATA_STUDY)')
    .option('--seed <n>', 'seed of the models and the split')
    .option('--pixels-per-degree <n>', 'px/deg of the images, for the built-in saliency model (used only without saliency.npy)')
    .option('--verbose', 'print a line per training epoch')
    .option('--workers <n>', 'training processes (0: train in this process)', undefined)
    .option('-q, --quiet', 'no progress output')
    .addOption(backend),
  '--data',
).action((flags) => studyCommand(flags));

required(
  program
    .command('simulate')
    .description('write a simulated dataset (images, sessions, ground truth) in the dataset directory layout')
    .option('-o, --out <dir>', 'dataset directory to write')
    .option('--seed <n>', 'seed')
    .option('--population <kind>', "'shift' or 'noShift'")
    .option('--config <file>', 'JSON simulation options (see @sal/sim)')
    .option('-q, --quiet', 'no progress output'),
  '--out',
).action((flags) => simulateCommand(flags));

required(
  program
    .command('train')
    .description('train one model variant on a dataset directory and save a checkpoint')
    .option('--config <file>', 'JSON training configuration (see the README)')
    .option('--resume', "continue from the checkpoint in 'out' (written after every epoch)")
    .option('--force', "move an existing 'out' that is not a sal checkpoint aside (it is never deleted)")
    .option('-q, --quiet', 'no progress output')
    .addOption(backend),
  '--config',
).action((flags) => trainCommand(flags));

required(
  program
    .command('grf')
    .description('gradient receptive fields of a model trained by `sal train`, on validation images, as .npy')
    .option('--checkpoint <dir>', 'checkpoint directory written by sal train')
    .option('-o, --out <file.npy>', 'output file ([neurons, images, h, w])')
    .option('--session <key>', "only this session's neurons (default: every session, in order)")
    .option('--images <n>', 'number of validation images', '100')
    .option('-q, --quiet', 'no progress output')
    .addOption(backend),
  '--checkpoint',
  '--out',
)
  .hook('preAction', (self) => {
    const dir = resolve(String(self.getOptionValue('checkpoint')));
    const isDir = existsSync(dir) && statSync(dir).isDirectory();
    if (!isDir || !existsSync(join(dir, 'dataset.json'))) {
      throw new SalConfigError(
        'sal grf',
        '--checkpoint',
        `a checkpoint directory written by sal train (with dataset.json)${isDir ? '' : '; no such directory'}`,
        dir,
      );
    }
  })
  .action((flags) => grfCommand(flags));

required(
  program
    .command('pca')
    .description('per-neuron PCA of gRFs (eigenvalues, cumulative variance, eigen-RFs) as .npy')
    .option('--grf <file.npy>', 'gRFs [neurons, images, h, w], e.g. from sal grf')
    .option('-o, --out <dir>', 'output directory')
    .option('--components <n>', 'eigen-RFs to write per neuron', '20')
    .option('-q, --quiet', 'no progress output'),
  '--grf',
  '--out',
).action((flags) => pcaCommand(flags));

program
  .command('report')
  .description('redo the analyses of a finished sal demo or sal study run and rewrite its report (no retraining)')
  .option('-o, --out <dir>', 'the output directory of sal demo', 'sal-out')
  .option('--config <file>', "JSON with an 'analysis' section overriding the run's")
  .option('--db <url>', 'build the report of a study sweep from this job database instead')
  .option('--sweep <name>', 'with --db: the sweep (default: the latest)')
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action(async (flags) => {
    if (flags.db) await reportDbCommand(flags);
    else await reportCommand(flags);
  });

const sweep = program
  .command('sweep')
  .description('enqueue the jobs of a sweep plan in a PostgreSQL job database (without --db: run them here on a local server)')
  .argument('[plan]', 'JSON plan: {"name", "jobs": [{kind, config}], "grids": [{kind, base, axes}]}')
  .option('--db <url>', 'job database, postgresql://user@host:5432/db (without it: a server of this machine in --out)')
  .option('-o, --out <dir>', 'output folder of a sweep without --db', 'sal-sweep')
  .option('--retries <n>', 'retries of a failed job', '2')
  .option('--retry-delay <s>', 'seconds before the first retry (doubling)', '30')
  .option('--lease <s>', 'a job runs again when its worker is silent this long', '120')
  .option('--artefacts <dir>', 'shared folder for artefacts (default: in the database)')
  .option('--workers <n>', 'jobs at once without --db', '1')
  .option('--wait', 'with --db: show progress until every job is done or failed')
  .option('-q, --quiet', 'no progress output')
  .action((plan: string | undefined, flags) => {
    if (!plan) return sweep.help({ error: true });
    return sweepCommand(plan, flags);
  });
sweep
  .command('status')
  .description('jobs of the sweeps: queued / running on which host / done / failed with its error')
  .option('--db <url>', 'job database')
  .option('--sweep <name>', 'only this sweep')
  // options the parent also has (--db, --retries, -q) are parsed by the parent: merge its values in
  .action(async (flags, cmd) => {
    await sweepStatusCommand({ ...cmd.parent.opts(), ...flags, db: flags.db ?? cmd.parent.opts().db });
  });
sweep
  .command('retry-failed')
  .description('queue the failed jobs again, with fresh retries')
  .option('--db <url>', 'job database')
  .option('--sweep <name>', 'only this sweep')
  .action(async (flags, cmd) => {
    await sweepRetryCommand({ ...cmd.parent.opts(), ...flags, db: flags.db ?? cmd.parent.opts().db });
  });

program
  .command('worker')
  .description('run sweep jobs from a job database until stopped (SIGTERM hands the running job back)')
  .option('--db <url>', 'job database, postgresql://user@host:5432/db')
  .option('--concurrency <n>', 'jobs at once in this process', '1')
  .option('--kinds <list>', 'only these job kinds (comma-separated)')
  .option('--artefacts <dir>', 'shared folder the artefacts were written to, if not in the database')
  .option('--exit-when-idle <s>', 'exit once the queues have been empty this many seconds')
  .option('-q, --quiet', 'no progress output')
  .action((flags) => workerCommand(flags));

program
  .command('convert')
  .description("convert a dataset in the field's formats (neuralpredictors FileTree folder, HDF5 static file) to the dataset directory layout")
  .argument('<input>', 'FileTree folder or HDF5 file')
  .requiredOption('--from <format>', "'filetree' or 'hdf5'")
  .requiredOption('-o, --out <dir>', 'dataset directory to write')
  .option('--session <key>', 'session key', 'session')
  .option('--train-tiers <list>', 'tiers of the training trials', 'train,validation')
  .option('--test-tiers <list>', 'tiers of the test trials', 'test')
  .option('-q, --quiet', 'no progress output')
  .action((input: string, flags) => convertCommand(input, flags));

program
  .command('mei')
  .description('most exciting inputs of a model trained by `sal train` (several checkpoints: their ensemble), as .npy and PNG')
  .requiredOption('--checkpoint <dirs>', 'checkpoint directory, or several separated by commas (an ensemble)')
  .requiredOption('-o, --out <dir>', 'output directory')
  .option('--session <key>', 'session whose neurons to use (default: the first)')
  .option('--neurons <list>', "'all' or comma-separated neuron indices", 'all')
  .option('--steps <n>', 'optimisation steps (default 200)')
  .option('--seed <n>', 'seed of the noise, jitter and crops')
  .option('--per-neuron <n>', 'diverse MEIs per neuron')
  .option('--config <file>', 'JSON MEI options (see @sal/mei)')
  .option('--closed-loop', 'on a simulated dataset: show the MEIs to the true neurons and write closed-loop.json')
  .option('--images <n>', 'natural images searched for the closed loop (default: all)')
  .option('--shift-images <n>', "images with a salient object for the closed loop's shift check", '3')
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => meiCommand(flags));

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  process.stderr.write(`sal: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}\n`);
  if (process.env['SAL_DEBUG']) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
