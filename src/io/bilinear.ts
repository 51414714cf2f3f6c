/**
 * Bilinear resampling of an interleaved (H, W, C) array with half-pixel centres (browser-safe).
 *
 * This is the convention of TensorFlow 2's `tf.image.resize(method='bilinear', antialias=False)`
 * and of PyTorch's `interpolate(mode='bilinear', align_corners=False)`: output pixel i samples
 * the input at coordinate (i + 0.5) · in/out − 0.5, clamped to [0, in − 1], and interpolates
 * linearly between the two neighbouring input pixels. Without antialiasing, downscaling by more
 * than 2 skips input pixels; that is what those libraries do too.
 *
 * Images (src/io/resize.ts) and attribution maps (src/attribution/heatmap.ts) share this code so
 * that both follow one convention.
 */

/** Where along one axis output index i samples: the two input indices and the weight of the second. */
interface AxisTap {
  lo: number;
  hi: number;
  frac: number;
}

function axisTaps(inSize: number, outSize: number): AxisTap[] {
  const scale = inSize / outSize;
  const taps: AxisTap[] = [];
  for (let i = 0; i < outSize; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const lo = Math.floor(at);
    taps.push({ lo, hi: Math.min(lo + 1, inSize - 1), frac: at - lo });
  }
  return taps;
}

/**
 * Resample `src` (length inH · inW · channels, C fastest) to (outH, outW, channels). The result
 * is float64 so that callers choose their own rounding (bytes for images, float32 for maps).
 */
export function resampleBilinear(src: ArrayLike<number>, from: { height: number; width: number; channels: number }, to: { height: number; width: number }): Float64Array {
  const { height: inH, width: inW, channels } = from;
  const { height: outH, width: outW } = to;
  const sizes = { inH, inW, channels, outH, outW };
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new Error(`resampleBilinear: ${name} must be a positive integer, got ${v}`);
    }
  }
  if (src.length !== inH * inW * channels) {
    throw new Error(
      `resampleBilinear: input of ${inH}x${inW}x${channels} needs ${inH * inW * channels} values, got ${src.length}`,
    );
  }
  const rows = axisTaps(inH, outH);
  const cols = axisTaps(inW, outW);
  const out = new Float64Array(outH * outW * channels);
  let o = 0;
  for (const r of rows) {
    const top = r.lo * inW * channels;
    const bottom = r.hi * inW * channels;
    for (const c of cols) {
      const left = c.lo * channels;
      const right = c.hi * channels;
      for (let k = 0; k < channels; k++) {
        const tl = src[top + left + k]!;
        const tr = src[top + right + k]!;
        const bl = src[bottom + left + k]!;
        const br = src[bottom + right + k]!;
        const upper = tl + (tr - tl) * c.frac;
        const lower = bl + (br - bl) * c.frac;
        out[o++] = upper + (lower - upper) * r.frac;
      }
    }
  }
  return out;
}
