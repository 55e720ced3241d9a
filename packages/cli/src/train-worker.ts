/**
 * A training worker process (see `train-pool.ts`): starts its own backend, reads the study data back, and
 * trains the items it is sent, one at a time.
 */
import { initBackend } from '@sal/backend';
import { saveCheckpoint } from '@sal/train/node';
import { readStudyData, readUserStudyData, trainItem, type PlanItem, type StudyConfig } from '@sal/study';

type Msg =
  | { type: 'init'; config: StudyConfig; outDir: string; dataDir?: string; verbose: boolean }
  | { type: 'train'; item: PlanItem; checkpoint: string | null }
  | { type: 'exit' };

let state: { config: StudyConfig; data: Awaited<ReturnType<typeof readStudyData>>; verbose: boolean } | null = null;
const send = (m: unknown) => process.send!(m);
// the parent is gone (killed, crashed): stop instead of training on for nobody
process.on('disconnect', () => process.exit(1));

process.on('message', (m: Msg) => {
  void (async () => {
    try {
      if (m.type === 'init') {
        await initBackend();
        // a user's dataset (sal study --data), else the data the demo wrote under outDir/data
        const data = m.dataDir ? await readUserStudyData(m.config, m.dataDir, m.outDir) : await readStudyData(m.config, m.outDir);
        state = { config: m.config, data, verbose: m.verbose };
        send({ type: 'ready' });
      } else if (m.type === 'train') {
        if (!state) throw new Error('worker not initialised');
        const r = await trainItem({ ...m.item, keep: true }, state.data, state.config, state.verbose ? process.stderr : null);
        if (m.checkpoint) await saveCheckpoint(m.checkpoint, r.encoder!);
        r.encoder!.dispose();
        send({ type: 'done', result: { item: m.item, summary: r.summary, test: r.test, neurons: r.neurons } });
      } else if (m.type === 'exit') {
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).message, stack: (err as Error).stack });
    }
  })();
});
