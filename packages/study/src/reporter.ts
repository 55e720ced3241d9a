/**
 * How the study talks to its user: information lines and bounded tasks. The study only calls these; the `sal`
 * command implements them with progress bars (`@sal/cli`'s `createReporter`), a server could forward them.
 */

/** Progress of one bounded task (e.g. "training 21 models"). */
export interface ReporterTask {
  /** `n` more steps are done (@default 1); `note` describes the last one. */
  tick(n?: number, note?: string): void;
  /** The task is finished. */
  done(note?: string): void;
}

/** Where the study reports what it does. */
export interface Reporter {
  /** A line of information. */
  info(line: string): void;
  /** Start a bounded task of `total` steps. */
  task(label: string, total: number): ReporterTask;
}

/** A reporter that says nothing (tests, library use). */
export const silentReporter: Reporter = Object.freeze({
  info(): void {},
  task: (): ReporterTask => ({ tick(): void {}, done(): void {} }),
});
