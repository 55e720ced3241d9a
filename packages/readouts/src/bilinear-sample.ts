/** Bilinear sampling with gradients lives in `@sal/layers` (shared with the cores); the readouts import it from here. */
export { bilinearSample } from '@sal/layers';
