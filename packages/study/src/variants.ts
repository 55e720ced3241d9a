/**
 * How each input variant is built: which dataset channels feed the core, what the readout sees as context,
 * and which readout it uses. Every variant reads the same dataset (channels [image, saliency, grad_x,
 * grad_y]) and the encoder's routing picks what it needs, so one transform cache serves them all.
 */
import type { ContextRouting } from '@sal/train';
import type { VariantName } from './config.js';

export interface VariantSpec {
  readonly name: VariantName;
  /** Dataset channels the core reads (0 image, 1 saliency, 2 grad_x, 3 grad_y). */
  readonly coreChannels: readonly number[];
  readonly readout: 'gaussian' | 'shifter' | 'attention';
  /** What the shifter's remapper receives. */
  readonly context: ContextRouting;
  /** One line for the report. */
  readonly description: string;
}

export const VARIANT_SPECS: Readonly<Record<VariantName, VariantSpec>> = Object.freeze({
  images: { name: 'images', coreChannels: [0], readout: 'gaussian', context: 'none', description: 'CNN + Gaussian readout on the image only' },
  'images+saliency': {
    name: 'images+saliency',
    coreChannels: [0, 1],
    readout: 'gaussian',
    context: 'none',
    description: 'CNN + Gaussian readout on image and saliency map',
  },
  'images+gradients': {
    name: 'images+gradients',
    coreChannels: [0, 2, 3],
    readout: 'gaussian',
    context: 'none',
    description: 'CNN + Gaussian readout on image and the saliency gradients',
  },
  all: {
    name: 'all',
    coreChannels: [0, 1, 2, 3],
    readout: 'gaussian',
    context: 'none',
    description: 'CNN + Gaussian readout on image, saliency and gradients',
  },
  'shifter-saliency': {
    name: 'shifter-saliency',
    coreChannels: [0],
    readout: 'shifter',
    context: [1, 2, 3],
    description: 'saliency shifter: remapper on saliency + gradients',
  },
  'shifter-ones': {
    name: 'shifter-ones',
    coreChannels: [0],
    readout: 'shifter',
    context: 'ones',
    description: 'saliency shifter control: remapper on a tensor of ones',
  },
  'shifter-image': {
    name: 'shifter-image',
    coreChannels: [0],
    readout: 'shifter',
    context: 'image',
    description: 'saliency shifter control: remapper on the image',
  },
  attention: { name: 'attention', coreChannels: [0], readout: 'attention', context: 'none', description: 'CNN + multiple-attention readout on the image only' },
});
