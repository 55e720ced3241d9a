#!/usr/bin/env node
/** The `sal` command. */
import { Command, Option } from 'commander';
import { demoCommand } from './commands/demo.js';
import { simulateCommand } from './commands/simulate.js';
import { trainCommand } from './commands/train.js';
import { grfCommand } from './commands/grf.js';
import { pcaCommand } from './commands/pca.js';
import { reportCommand } from './commands/report.js';
import { meiCommand } from './commands/mei.js';

const program = new Command();
program
  .name('sal')
  .description('Model visual-cortex neurons and ask what drives them: saliency, shifter readouts, gradient receptive fields.')
  .showHelpAfterError();

const backend = new Option('--backend <name>', 'tensor backend').choices(['auto', 'node-gpu', 'node', 'wasm', 'cpu']);

program.command('demo')
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

program.command('simulate')
  .description('write a simulated dataset (images, sessions, ground truth) in the dataset directory layout')
  .requiredOption('-o, --out <dir>', 'dataset directory to write')
  .option('--seed <n>', 'seed')
  .option('--population <kind>', "'shift' or 'noShift'")
  .option('--config <file>', 'JSON simulation options (see @sal/sim)')
  .option('-q, --quiet', 'no progress output')
  .action((flags) => simulateCommand(flags));

program.command('train')
  .description('train one model variant on a dataset directory and save a checkpoint')
  .requiredOption('--config <file>', 'JSON training configuration (see the README)')
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => trainCommand(flags));

program.command('grf')
  .description('gradient receptive fields of a model trained by `sal train`, on validation images, as .npy')
  .requiredOption('--checkpoint <dir>', 'checkpoint directory written by sal train')
  .requiredOption('-o, --out <file.npy>', 'output file ([neurons, images, h, w])')
  .option('--session <key>', 'session whose neurons to use (default: the first)')
  .option('--images <n>', 'number of validation images', '100')
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => grfCommand(flags));

program.command('pca')
  .description('per-neuron PCA of gRFs (eigenvalues, cumulative variance, eigen-RFs) as .npy')
  .requiredOption('--grf <file.npy>', 'gRFs [neurons, images, h, w], e.g. from sal grf')
  .requiredOption('-o, --out <dir>', 'output directory')
  .option('--components <n>', 'eigen-RFs to write per neuron', '20')
  .option('-q, --quiet', 'no progress output')
  .action((flags) => pcaCommand(flags));

program.command('report')
  .description('redo the analyses of a finished sal demo run and rewrite its report (no retraining)')
  .option('-o, --out <dir>', 'the output directory of sal demo', 'sal-out')
  .option('--config <file>', "JSON with an 'analysis' section overriding the run's")
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => reportCommand(flags));

program.command('mei')
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
  .option('--shift-images <n>', 'images with a salient object for the closed loop\'s shift check', '3')
  .option('-q, --quiet', 'no progress output')
  .addOption(backend)
  .action((flags) => meiCommand(flags));

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  process.stderr.write(`sal: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}\n`);
  if (process.env['SAL_DEBUG']) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
