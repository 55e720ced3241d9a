/** Per-channel z-scoring statistics. */
import { SalConfigError, SalDataError, type ChannelName } from '@sal/types';

/** Mean and standard deviation of each input channel (population std, ddof 0), as plain JSON. */
export interface ChannelStats {
  readonly channels: readonly ChannelName[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** How many pixels (images × h × w) the statistics were computed over. */
  readonly count: number;
}

/**
 * Mean and std of each channel over `rows` (each `[pixels, channels]`, channel-last), accumulated in
 * float64 (two passes).
 */
export function computeChannelStats(rows: readonly Float32Array[], channels: readonly ChannelName[]): ChannelStats {
  const c = channels.length;
  if (rows.length === 0) throw new SalDataError('computeChannelStats', 'at least one training image', 0);
  const mean = new Float64Array(c);
  let count = 0;
  for (const row of rows) {
    for (let p = 0; p < row.length; p++) mean[p % c] = (mean[p % c] as number) + (row[p] as number);
    count += row.length / c;
  }
  for (let k = 0; k < c; k++) mean[k] = (mean[k] as number) / count;
  const v = new Float64Array(c);
  for (const row of rows) {
    for (let p = 0; p < row.length; p++) {
      const d = (row[p] as number) - (mean[p % c] as number);
      v[p % c] = (v[p % c] as number) + d * d;
    }
  }
  const std = Array.from(v, (x) => Math.sqrt(x / count));
  std.forEach((sd, k) => {
    if (!(sd > 0) || !Number.isFinite(sd) || !Number.isFinite(mean[k] as number)) {
      throw new SalDataError('computeChannelStats', `channel '${channels[k]}' varying over the training images (finite mean, std > 0, to z-score it)`, {
        mean: mean[k],
        std: sd,
      });
    }
  });
  return { channels: [...channels], mean: Array.from(mean), std, count };
}

/** Check that reused statistics fit these channels. */
export function checkStats(where: string, stats: ChannelStats, channels: readonly ChannelName[]): void {
  const ok =
    stats !== null &&
    typeof stats === 'object' &&
    Array.isArray(stats.channels) &&
    stats.channels.length === channels.length &&
    stats.channels.every((ch, i) => ch === channels[i]) &&
    Array.isArray(stats.mean) &&
    Array.isArray(stats.std) &&
    stats.mean.length === channels.length &&
    stats.std.length === channels.length &&
    stats.mean.every(Number.isFinite) &&
    stats.std.every((s) => Number.isFinite(s) && s > 0);
  if (!ok) throw new SalConfigError(where, 'stats', `statistics of the channels [${channels.join(', ')}] (finite mean, std > 0)`, stats);
}

/** z-score channel-last `data` (`[…, channels]`) in place: `(x − mean) / std`; a zero std divides by 1. */
export function applyChannelStats(data: Float32Array, stats: ChannelStats): void {
  const c = stats.mean.length;
  const inv = stats.std.map((s) => (s > 0 ? 1 / s : 1));
  for (let i = 0; i < data.length; i++) {
    const k = i % c;
    data[i] = ((data[i] as number) - (stats.mean[k] as number)) * (inv[k] as number);
  }
}
