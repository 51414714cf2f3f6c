/**
 * Colour maps for heatmaps (browser-safe): a value in [0, 1] becomes an RGB colour.
 *
 * Both maps are matplotlib's definitions (`_jet_data`, `_hot_data` in matplotlib's
 * `_cm.py`), which are MATLAB's: each channel is piecewise linear through the listed
 * (position, intensity) breakpoints.
 *   jet: dark blue (0, 0, 0.5) → blue → cyan → yellow → red → dark red (0.5, 0, 0).
 *   hot: black-red (0.0416, 0, 0) → red → yellow → white; the first entry is not pure black, as
 *        in matplotlib and MATLAB's `hot(64)`.
 * We evaluate the piecewise-linear functions at the value itself and round to the nearest byte.
 * matplotlib instead looks values up in a 256-entry table (entry floor(256·v), sampled at k/255)
 * and truncates to bytes, so its colours can differ from ours by a level or two.
 */
import type { RgbImage } from '../io/image.js';

export type ColormapName = 'jet' | 'hot';

export const COLORMAP_NAMES: readonly ColormapName[] = ['jet', 'hot'];

/** Breakpoints (position in [0, 1], intensity in [0, 1]), positions increasing from 0 to 1. */
type Channel = readonly (readonly [number, number])[];

interface Definition {
  readonly red: Channel;
  readonly green: Channel;
  readonly blue: Channel;
}

const DEFINITIONS: Record<ColormapName, Definition> = {
  jet: {
    red: [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
    green: [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
    blue: [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
  },
  hot: {
    red: [[0, 0.0416], [0.365079, 1], [1, 1]],
    green: [[0, 0], [0.365079, 0], [0.746032, 1], [1, 1]],
    blue: [[0, 0], [0.746032, 0], [1, 1]],
  },
};

function evaluate(channel: Channel, v: number): number {
  for (let k = 1; k < channel.length; k++) {
    const [x1, y1] = channel[k]!;
    if (v <= x1) {
      const [x0, y0] = channel[k - 1]!;
      return y0 + ((y1 - y0) * (v - x0)) / (x1 - x0);
    }
  }
  return channel[channel.length - 1]![1];
}

function definitionOf(name: ColormapName, op: string): Definition {
  const definition = (DEFINITIONS as Record<string, Definition | undefined>)[name];
  if (!definition) throw new Error(`${op}: unknown colormap '${String(name)}' (available: ${COLORMAP_NAMES.join(', ')})`);
  return definition;
}

function checkValue(v: number, op: string, where: string): number {
  if (Number.isNaN(v)) throw new Error(`${op}: value${where} is NaN`);
  return Math.min(1, Math.max(0, v));
}

/** The colour of `value` (clamped to [0, 1]) as intensities in [0, 1]. */
export function colormapColor(value: number, name: ColormapName = 'jet'): [number, number, number] {
  const d = definitionOf(name, 'colormapColor');
  const v = checkValue(value, 'colormapColor', '');
  return [evaluate(d.red, v), evaluate(d.green, v), evaluate(d.blue, v)];
}

/** The colour of `value` (clamped to [0, 1]) as bytes. */
export function colormapBytes(value: number, name: ColormapName = 'jet'): [number, number, number] {
  const [r, g, b] = colormapColor(value, name);
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/**
 * Colour a height x width map of values in [0, 1] (row-major; values outside are clamped, NaN is
 * an error) into an RGB image.
 */
export function colormap(
  values01: ArrayLike<number>,
  height: number,
  width: number,
  name: ColormapName = 'jet',
): RgbImage {
  const d = definitionOf(name, 'colormap');
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 0 || width < 0) {
    throw new Error(`colormap: invalid size ${width}x${height}`);
  }
  if (values01.length !== height * width) {
    throw new Error(`colormap: a ${height}x${width} map needs ${height * width} values, got ${values01.length}`);
  }
  const data = new Uint8Array(values01.length * 3);
  for (let i = 0; i < values01.length; i++) {
    const v = checkValue(values01[i]!, 'colormap', ` ${i}`);
    data[i * 3] = Math.round(evaluate(d.red, v) * 255);
    data[i * 3 + 1] = Math.round(evaluate(d.green, v) * 255);
    data[i * 3 + 2] = Math.round(evaluate(d.blue, v) * 255);
  }
  return { width, height, data };
}
