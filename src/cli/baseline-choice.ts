/** --baseline black|uniform|blur|FILE.npy, resolved to pixels on the 0–255 scale. */
import { blackBaseline, blurBaseline, checkBaseline, uniformBaseline, type PixelImage } from '../attribution/baselines.js';
import { readNpyFile } from '../io/npy-file.js';
import { npyToFloat32 } from '../io/npy.js';
import { CliError } from './errors.js';

export const BASELINE_HELP = 'black (default) | uniform (seeded noise) | blur (Gaussian blur of the image) | FILE.npy (float32 [H, W, C], RGB, 0–255)';

export async function resolveBaseline(spec: string, pixels: Float32Array, H: number, W: number, C: number): Promise<PixelImage> {
  if (spec === 'black') return blackBaseline(H, W, C);
  if (spec === 'uniform') return uniformBaseline(H, W, C, 0);
  if (spec === 'blur') return blurBaseline({ height: H, width: W, channels: C, data: pixels }, Math.max(H, W) / 20);
  if (!spec.endsWith('.npy')) throw new CliError(`--baseline ${spec}: expected black, uniform, blur or a .npy file`, 2);
  const arr = await readNpyFile(spec).catch((e: Error) => {
    throw new CliError(`--baseline ${spec}: ${e.message}`);
  });
  const shape = arr.shape.length === 4 && arr.shape[0] === 1 ? arr.shape.slice(1) : arr.shape;
  if (shape.length !== 3) throw new CliError(`--baseline ${spec}: expected shape [H, W, C], got [${arr.shape.join(', ')}]`, 2);
  try {
    return checkBaseline({ height: shape[0]!, width: shape[1]!, channels: shape[2]!, data: npyToFloat32(arr) }, H, W, C, `--baseline ${spec}`);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}
