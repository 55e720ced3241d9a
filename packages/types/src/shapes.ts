/**
 * Shape aliases. Layout is NHWC everywhere: B batch, H/W spatial, C channels, N neurons.
 */

/** `[height, width, channels]` of one input or feature map. */
export type Shape3D = readonly [h: number, w: number, c: number];
/** `[batch, height, width, channels]`. */
export type Shape4D = readonly [b: number, h: number, w: number, c: number];
/** `[batch, neurons]`. */
export type Shape2D = readonly [b: number, n: number];

/** Key of a recording session (the original's `data_key`). */
export type SessionKey = string;

/** Plain JSON, the form `getConfig()` returns. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };
