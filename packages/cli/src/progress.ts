/**
 * Progress output: a cli-progress bar on a terminal, plain lines otherwise (CI logs, pipes), nothing when
 * quiet.
 */
import cliProgress from 'cli-progress';
import { silentReporter, type Reporter } from '@sal/study';
import type { BatchProgress } from '@sal/train';

export type { Reporter } from '@sal/study';

/** Seconds between two progress lines of a task in a log (not a terminal). */
const LOG_INTERVAL_MS = 5000;

/**
 * A reporter on `stream` (default stderr). `quiet` prints nothing. In a log (no terminal), a tick that finishes a
 * named item (`n > 0` and a note, e.g. a trained model) always gets its line; other ticks (steps without a note,
 * note updates with `n = 0`) are printed at most every 5 s, with the latest note, and the last step always.
 */
export function createReporter(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return silentReporter;
  const tty = Boolean(stream.isTTY);
  return {
    info(line) {
      stream.write(`${line}\n`);
    },
    task(label, total) {
      const start = Date.now();
      if (tty) {
        const bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total} {note}`, stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { note: '' });
        let value = 0;
        return {
          tick(n = 1, note = '') {
            value += n;
            if (note) bar.update(value, { note });
            else bar.update(value);
          },
          done(note = '') {
            bar.update(total, { note });
            bar.stop();
            if (note) stream.write(`${label}: ${note}\n`);
          },
        };
      }
      let value = 0;
      let lastPrint = 0;
      let lastNote = '';
      return {
        tick(n = 1, note = '') {
          value += n;
          if (note) lastNote = note;
          const now = Date.now();
          if ((n > 0 && note) || now - lastPrint > LOG_INTERVAL_MS || (n > 0 && value >= total)) {
            lastPrint = now;
            stream.write(`${label}: ${value}/${total}${lastNote ? ` ${lastNote}` : ''}\n`);
          }
        },
        done(note = '') {
          stream.write(`${label}: done in ${((Date.now() - start) / 1000).toFixed(1)} s${note ? ` (${note})` : ''}\n`);
        },
      };
    },
  };
}

/**
 * Progress inside training epochs for `trainEncoder`'s `onBatch`: a task per epoch (`epoch 3` … `batches/total`,
 * images/s), closed at its last batch.
 */
export function epochProgress(reporter: Reporter): (p: BatchProgress) => void {
  let task: ReturnType<Reporter['task']> | null = null;
  return (p) => {
    if (p.batch === 1 || task === null) task = reporter.task(`epoch ${p.epoch}`, p.batches);
    const rate = p.seconds > 0 ? `${(p.images / p.seconds).toFixed(1)} images/s` : '';
    task.tick(1);
    task.tick(0, rate);
    if (p.batch === p.batches) {
      task.done(rate);
      task = null;
    }
  };
}
