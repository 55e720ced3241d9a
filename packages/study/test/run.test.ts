/** A runner other than the in-process one plugs in behind `StudyRunner` (as the CLI's worker pool or a job queue). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  QUICK_STUDY,
  buildStudyReport,
  inProcessRunner,
  resolveStudyConfig,
  runStudy,
  trainingPlan,
  type PlanItem,
  type Reporter,
  type StudyRunner,
} from '../src/index.js';

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
      trainAll: (items, ctx) => {
        received.push([...items]);
        return inner.trainAll(items, ctx);
      },
    };
    const labels: string[] = [];
    const reporter: Reporter = {
      info() {},
      task: (label) => {
        labels.push(label);
        return { tick() {}, done() {} };
      },
    };
    let saved = 0;
    const { results, artifacts } = await runStudy({
      config,
      outDir: dir,
      reporter,
      runner,
      saveModels: async () => {
        saved++;
      },
    });
    expect(received).toEqual([trainingPlan(config, Object.keys(config.crops))]);
    expect(labels).toContain('training 9 models through a test queue');
    expect(saved).toBe(0);
    expect(results.models.map((m) => `${m.population} ${m.variant} ${m.seed}`)).toEqual(received[0]!.map((p) => `${p.population} ${p.variant} ${p.seed}`));
    // quick study: 2 comparison verdicts (both populations), gRF specificity, 2 gRF-vs-control, learned shift
    expect(results.verdicts).toHaveLength(6);
    // MEIs shown to the true neurons: the main image-only model and the ensemble of its 2 seeds, and the ensemble's comparison row
    expect(results.mei!.single.seeds).toEqual([config.seed + 1]);
    expect(results.mei!.ensemble!.seeds).toEqual([config.seed + 1, config.seed + 2]);
    expect(results.mei!.analysed).toBeGreaterThan(0);
    expect(results.comparisons['shift: images ensemble of 2 seeds − images']!.seedDeltas).toHaveLength(2);
    expect(results.comparisonsAveraged['shift: images ensemble of 2 seeds − images']).toBeDefined();
    expect(results.seconds['mei']).toBeGreaterThan(0);
    // the report's MEI section: the closed-loop table, the per-neuron table and the MEI figure
    const report = await buildStudyReport(results, artifacts);
    expect(report.figures.map((f) => f.name)).toContain('fig15-meis');
    expect(report.html).toContain('Most exciting inputs, shown to the true neurons');
    expect(report.html).toContain('ensemble of 2 seeds');
    // every model row carries its fraction of oracle (the quick study has 4 repeats of each test image)
    expect(results.models.every((m) => typeof m.fractionOfOracle === 'number' && Number.isFinite(m.fractionOfOracle))).toBe(true);
    expect(results.reliability?.shift?.neurons).toBe(config.simulation.nSessions * config.simulation.neuronsPerSession);
  }, 240_000);
});
