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
import { stacked2dCore } from '@sal/cores';
import { attentionReadout, gaussianReadout, saliencyShifterReadout } from '@sal/readouts';
import { DEMO_STUDY, VARIANT_SPECS, prepareStudyData, resolveStudyConfig, silentReporter } from '@sal/study';
import { createEncoder, scoreSession, trainEncoder } from '@sal/train';
import { mean } from '@sal/types';

const a = JSON.parse(process.argv[2] ?? '{}');
await initBackend({});
const config = resolveStudyConfig(DEMO_STUDY, a.override ?? {});
const out = a.out ?? `/tmp/sal-train-experiment-${config.seed}-${config.simulation.nTrainImages}`;
const data = await prepareStudyData(config, out, silentReporter);
const crop = a.crop ?? Object.keys(config.crops)[0];

/** As the study's buildEncoder, plus `readoutOpts`. */
function build(variant, ds, seed) {
  const [h, w] = ds.inputShape;
  const core = stacked2dCore({
    inChannels: variant.coreChannels.length,
    hiddenChannels: config.core.hiddenChannels,
    inputKern: config.core.inputKern,
    hiddenKern: config.core.hiddenKern,
    layers: config.core.layers,
    gammaInput: config.core.gammaInput,
    nSeBlocks: 0,
    seed,
  });
  const inShape = core.computeOutputShape([h, w, variant.coreChannels.length]);
  const extra = a.readoutOpts ?? {};
  const readouts = {};
  ds.sessions.forEach((s, i) => {
    const common = {
      inShape,
      outDims: s.nNeurons,
      gammaReadout: config.readout.gammaReadout,
      initSigma: config.readout.initSigma,
      gaussType: 'isotropic',
      seed: seed * 1000 + i,
    };
    readouts[s.key] =
      variant.readout === 'gaussian'
        ? gaussianReadout(common)
        : variant.readout === 'attention'
          ? attentionReadout({ inShape, outDims: s.nNeurons, gammaReadout: config.readout.gammaReadout, seed: seed * 1000 + i, ...extra })
          : saliencyShifterReadout({
              ...common,
              remapChannels: 3,
              remapHiddenChannels: config.readout.remapHiddenChannels,
              maxRemapAmplitude: config.readout.maxRemapAmplitude,
              neuronShiftGain: config.readout.neuronShiftGain,
              ...extra,
            });
  });
  return createEncoder({ core, readouts, routing: { core: variant.coreChannels, context: variant.context, imageChannel: 0 } });
}

for (const pop of a.pops ?? ['shift']) {
  for (const name of a.variants ?? [a.variant]) {
    for (const seed of a.seeds ?? [config.seed + 1]) {
      const ds = data.datasets[pop][crop];
      const enc = build(VARIANT_SPECS[name], ds, seed);
      enc.initBiases(ds);
      const t0 = Date.now();
      const r = await trainEncoder(enc, ds, { ...config.train, seed, quiet: !a.verbose, stream: a.verbose ? process.stderr : null });
      const seconds = (Date.now() - t0) / 1000;
      const v = [],
        t = [],
        ta = [];
      for (const s of ds.sessions) {
        const sc = scoreSession(enc, ds, s.key);
        v.push(...sc.validation);
        t.push(...sc.test);
        ta.push(...sc.testAveraged);
      }
      console.log(
        JSON.stringify({
          tag: a.tag,
          pop,
          variant: name,
          crop,
          seed,
          readoutOpts: a.readoutOpts,
          override: a.override,
          val: +mean(v).toFixed(4),
          test: +mean(t).toFixed(4),
          testAvg: +mean(ta).toFixed(4),
          epochs: r.history.length,
          best: r.bestEpoch,
          stop: r.stopReason,
          seconds: Math.round(seconds),
          history: r.history.map((x) => (x.validation === null ? null : +x.validation.toFixed(3))),
        }),
      );
      enc.dispose();
    }
  }
}
