/**
 * Progress output: a cli-progress bar on a terminal, plain lines otherwise (CI logs, pipes), nothing when
 * quiet.
 */
import cliProgress from 'cli-progress';
import { silentReporter, type Reporter } from '@sal/study';

export type { Reporter } from '@sal/study';

/** A reporter on `stream` (default stderr). `quiet` prints nothing. */
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
          tick(n = 1, note = '') { value += n; bar.update(value, { note }); },
          done(note = '') { bar.update(total, { note }); bar.stop(); if (note) stream.write(`${label}: ${note}\n`); },
        };
      }
      let value = 0;
      let lastPrint = 0;
      return {
        tick(n = 1, note = '') {
          value += n;
          const now = Date.now();
          if (now - lastPrint > 5000 || value >= total) {
            lastPrint = now;
            stream.write(`${label}: ${value}/${total}${note ? ` ${note}` : ''}\n`);
          }
        },
        done(note = '') {
          stream.write(`${label}: done in ${((Date.now() - start) / 1000).toFixed(1)} s${note ? ` (${note})` : ''}\n`);
        },
      };
    },
  };
}
