/**
 * The early-stopping machine driven by scripted objectives, without a model. The "model" is a counter
 * that every evaluation increments and that snapshot/restore save and put back, as the original's
 * test (neuralpredictors `test_early_stopping.py`).
 */
import { describe, expect, it } from 'vitest';
import { SalConfigError } from '@sal/types';
import { createEarlyStopping, type EarlyStoppingOptions } from '../src/index.js';

function drive(values: number[], opts: EarlyStoppingOptions) {
  const es = createEarlyStopping(opts);
  let counter = 0,
    saved = 0,
    evaluations = 0,
    lastEpoch = 0,
    decays = 0,
    restores = 0;
  const log: string[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const a = es.next();
    log.push(a.type);
    if (a.type === 'done') return { counter, evaluations, lastEpoch, decays, restores, reason: a.reason, log, state: es.getState() };
    if (a.type === 'train') lastEpoch = a.epoch;
    if (a.type === 'evaluate') {
      counter++;
      es.report(values[Math.min(evaluations, values.length - 1)]!);
      evaluations++;
    }
    if (a.type === 'snapshot') saved = counter;
    if (a.type === 'restore') {
      counter = saved;
      restores++;
    }
    if (a.type === 'decay') decays++;
  }
  throw new Error('did not stop');
}

const values = [5, 4, 0.1, 1, 1, 1, 1, 1, 1, 1];

describe('early stopping on the scripted sequence [5,4,0.1,1,1,…]', () => {
  for (const maximize of [true, false]) {
    for (let patience = 1; patience <= 3; patience++) {
      for (let interval = 1; interval <= 7; interval++) {
        it(`maximize=${maximize} patience=${patience} interval=${interval}`, () => {
          const best = maximize ? 0 : 2; // argmax / argmin of the sequence
          const r = drive(values, { maximize, patience, interval, maxEpochs: 1000 });
          // the restored state is the best one, evaluated once more after the restore
          expect(r.counter).toBe(best + 2);
          expect(r.lastEpoch).toBe((best + patience) * interval);
          expect(r.evaluations).toBe(1 + best + patience + 1);
          expect(r.reason).toBe('patience');
          expect(r.state.best).toBe(maximize ? 5 : 0.1);
          expect(r.state.bestEpoch).toBe(best * interval);
        });
      }
    }
  }
});

describe('early stopping rounds, LR decay and limits', () => {
  it('restores the best state and decays between rounds, lrDecaySteps rounds in all', () => {
    // max: 1, then 2 (best), then flat: each round ends after 2 flat evaluations
    const r = drive([1, 2, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5], { patience: 2, lrDecaySteps: 3, maxEpochs: 100 });
    expect(r.decays).toBe(2);
    expect(r.restores).toBe(3);
    expect(r.lastEpoch).toBe(1 + 2 + 2 + 2);
    expect(r.counter).toBe(2 + 1); // best snapshot at the 2nd evaluation + the final evaluation
    expect(r.log.filter((t) => t === 'decay').length).toBe(2);
    // every decay follows a restore
    r.log.forEach((t, i) => {
      if (t === 'decay') expect(r.log[i - 1]).toBe('restore');
    });
  });

  it('an improvement in a later round resets patience and becomes the new best', () => {
    const r = drive([1, 2, 1, 3, 0, 0, 0], { patience: 1, lrDecaySteps: 3 });
    // eval0=1 best; ep1=2 best; ep2=1 → round 1 ends (restore, decay); ep3=3 best; ep4=0 → round 2 ends; ep5=0 → stop
    expect(r.lastEpoch).toBe(5);
    expect(r.decays).toBe(2);
    expect(r.state.best).toBe(3);
    expect(r.state.bestEpoch).toBe(3);
  });

  it('the tolerance is absolute', () => {
    const r = drive([1, 1 + 5e-7, 1 + 2e-6, 0], { patience: 1, tolerance: 1e-6 });
    // +5e-7 is not an improvement → stop after epoch 1 with best at epoch 0
    expect(r.lastEpoch).toBe(1);
    expect(r.state.bestEpoch).toBe(0);
  });

  it('stops at maxEpochs (checked between evaluations) and on a non-finite objective', () => {
    const up = Array.from({ length: 50 }, (_, i) => i);
    const r = drive(up, { maxEpochs: 7, interval: 3 });
    expect(r.reason).toBe('max-epochs');
    expect(r.lastEpoch).toBe(9);
    const n = drive([1, 2, NaN], { patience: 5 });
    expect(n.reason).toBe('not-finite');
    expect(n.counter).toBe(2 + 1);
  });

  it('without restoreBest nothing is restored', () => {
    const r = drive(values, { patience: 2, restoreBest: false });
    expect(r.restores).toBe(0);
    expect(r.log).not.toContain('restore');
  });

  it('resumes from a saved state to the same end', () => {
    const seq = [1, 2, 1, 3, 0, 0, 0];
    const full = drive(seq, { patience: 1, lrDecaySteps: 3 });
    const es = createEarlyStopping({ patience: 1, lrDecaySteps: 3 });
    let evals = 0;
    const log: string[] = [];
    // run until epoch 3 has been trained, then continue on a fresh machine from the saved state
    for (;;) {
      const a = es.next();
      log.push(a.type);
      if (a.type === 'evaluate') es.report(seq[evals++]!);
      if (a.type === 'train' && a.epoch === 3) break;
    }
    const es2 = createEarlyStopping({ patience: 1, lrDecaySteps: 3 }, es.getState());
    for (;;) {
      const a = es2.next();
      log.push(a.type);
      if (a.type === 'done') break;
      if (a.type === 'evaluate') es2.report(seq[evals++]!);
    }
    expect(log).toEqual(full.log);
    expect(es2.getState()).toEqual(full.state);
  });

  it('checks its options and the call order', () => {
    expect(() => createEarlyStopping({ patience: 0 })).toThrow(SalConfigError);
    expect(() => createEarlyStopping({ interval: 1.5 })).toThrow(SalConfigError);
    expect(() => createEarlyStopping({ foo: 1 } as never)).toThrow(SalConfigError);
    const es = createEarlyStopping();
    expect(() => es.report(1)).toThrow();
    expect(es.peek().type).toBe('evaluate');
    es.next();
    expect(() => es.next()).toThrow();
  });
});
