/** A runner other than the in-process one plugs in behind `StudyRunner` (as the CLI's worker pool or a job queue). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUICK_STUDY, inProcessRunner, resolveStudyConfig, runStudy, trainingPlan, type PlanItem, type Reporter, type StudyRunner } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-study-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runStudy with a custom runner', () => {
  it('hands the runner the plan, labels the task with its description and leaves saving to a runner that saves', async () => {
    const config = resolveStudyConfig(QUICK_STUDY);
    const received: PlanItem[][] = [];
    const inner = inProcessRunner();
    const runner: StudyRunner = {
      description: 'through a test queue',
      savesCheckpoints: true,
      trainAll: (items, ctx) => { received.push([...items]); return inner.trainAll(items, ctx); },
    };
    const labels: string[] = [];
    const reporter: Reporter = { info() {}, task: (label) => { labels.push(label); return { tick() {}, done() {} }; } };
    let saved = 0;
    const { results } = await runStudy({ config, outDir: dir, reporter, runner, saveModels: async () => { saved++; } });
    expect(received).toEqual([trainingPlan(config, Object.keys(config.crops))]);
    expect(labels).toContain('training 9 models through a test queue');
    expect(saved).toBe(0);
    expect(results.models.map((m) => `${m.population} ${m.variant} ${m.seed}`)).toEqual(received[0]!.map((p) => `${p.population} ${p.variant} ${p.seed}`));
    // quick study: 2 comparison verdicts (both populations), gRF specificity, 2 gRF-vs-control, learned shift
    expect(results.verdicts).toHaveLength(6);
    // every model row carries its fraction of oracle (the quick study has 4 repeats of each test image)
    expect(results.models.every((m) => typeof m.fractionOfOracle === 'number' && Number.isFinite(m.fractionOfOracle))).toBe(true);
    expect(results.reliability?.shift?.neurons).toBe(config.simulation.nSessions * config.simulation.neuronsPerSession);
  });
});
