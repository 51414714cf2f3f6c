/**
 * The names of the pixel scaling rules (--preprocess), apart from their definitions in
 * pixel-scaling.ts, so that the family table (applications/recognise.ts) can name a family's rule without
 * importing the resolution that consults that table.
 */
/** Every --preprocess value; 'auto' resolves to one of the others. */
export const PIXEL_SCALINGS = ['none', 'unit', 'symmetric', 'caffe', 'torch', 'auto'] as const;
export type PixelScalingChoice = (typeof PIXEL_SCALINGS)[number];
export type PixelScaling = Exclude<PixelScalingChoice, 'auto'>;
