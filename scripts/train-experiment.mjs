#!/usr/bin/env node
/**
 * Train a few models of the study on the demo's simulated data with overridden readout options or budget, and print
 * one JSON line per model (validation / single-trial test / repeat-averaged test r, epochs, stop reason, seconds,
 * validation history). The experiments of packages/readouts/NOTES-training.md were run with it.
 *
 *   node scripts/train-experiment.mjs '{"variant":"attention","seeds":[2],"readoutOpts":{"positionPrior":"none"}}'
 *
 * Keys: variant or variants (the study's variant names), seeds (model seeds), pops (default ["shift"]), crop
 * (default the main crop), override (a study-config override, as `sal demo --config`), readoutOpts (extra options
 * of the attention or shifter readout), verbose (epoch lines on stderr), tag, out (data folder).
 */
import { initBackend } from '@sal/backend';
import { DEMO_STUDY, VARIANT_SPECS, prepareStudyData, resolveStudyConfig, silentReporter, trainVariant } from '@sal/study';
import { mean } from '@sal/types';

const a = JSON.parse(process.argv[2] ?? '{}');
await initBackend({});
const config = resolveStudyConfig(DEMO_STUDY, a.override ?? {});
const out = a.out ?? `/tmp/sal-train-experiment-${config.seed}-${config.simulation.nTrainImages}`;
const data = await prepareStudyData(config, out, silentReporter);
const crop = a.crop ?? Object.keys(config.crops)[0];

for (const pop of a.pops ?? ['shift']) {
  for (const name of a.variants ?? [a.variant]) {
    for (const seed of a.seeds ?? [config.seed + 1]) {
      const ds = data.datasets[pop][crop];
      // the study's own encoder and training, with the experiment's readout options
      const m = await trainVariant(VARIANT_SPECS[name], ds, config, seed, a.verbose ? process.stderr : null, { readoutOptions: a.readoutOpts ?? {} });
      const r = m.history;
      console.log(
        JSON.stringify({
          tag: a.tag,
          pop,
          variant: name,
          crop,
          seed,
          readoutOpts: a.readoutOpts,
          override: a.override,
          val: +mean(m.scores.validation).toFixed(4),
          test: +mean(m.scores.test).toFixed(4),
          testAvg: +mean(m.scores.testAveraged).toFixed(4),
          epochs: r.length,
          best: m.bestEpoch,
          stop: m.stopReason,
          seconds: Math.round(m.seconds),
          history: r.map((x) => (x.validation === null ? null : +x.validation.toFixed(3))),
        }),
      );
      m.encoder.dispose();
    }
  }
}
