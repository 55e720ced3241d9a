/**
 * The cores' batch-norm variables, named in their {@link ParamStore}. The batch-norm itself (one momentum
 * convention, the fused native path and the composite one) is `@sal/layers`'s.
 */
import type { BatchNormParams } from '@sal/layers';
import type { ParamStore } from './params.js';

/** Create the four variables of a batch-norm over `channels` under `prefix` (`.gamma`, `.beta`, `.runningMean`, `.runningVar`). */
export function createBatchNorm(params: ParamStore, prefix: string, channels: number): BatchNormParams {
  return {
    gamma: params.constant(`${prefix}.gamma`, [channels], 1),
    beta: params.constant(`${prefix}.beta`, [channels], 0),
    runningMean: params.constant(`${prefix}.runningMean`, [channels], 0, false),
    runningVar: params.constant(`${prefix}.runningVar`, [channels], 1, false),
  };
}
