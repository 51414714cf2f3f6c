/** --baseline black|uniform|blur|FILE.npy, resolved to pixels on the 0–255 scale. */
import { blackBaseline, blurBaseline, checkBaseline, uniformBaseline, type PixelImage } from '../attribution/baselines.js';
import { checkFiniteValues } from '../attribution/finite.js';
import { readNpyFile } from '../io/npy-file.js';
import { npyToFloat32, type NpyArray } from '../io/npy.js';
import { CliError } from './errors.js';

export const BASELINE_HELP = 'black (default) | uniform (seeded noise) | blur (Gaussian blur of the image) | FILE.npy (float32 [H, W, C], RGB, 0–255)';

/** A --baseline (or --init) value, its file read: what can be checked before the model is known. */
export interface BaselineSource {
  spec: string;
  file?: NpyArray;
}

/** Checks the spelling and reads a .npy file (exists, parses), before any backend starts. */
export async function readBaselineSpec(spec: string, flag = '--baseline', names: readonly string[] = ['black', 'uniform', 'blur']): Promise<BaselineSource> {
  if (names.includes(spec)) return { spec };
  if (!spec.endsWith('.npy')) throw new CliError(`${flag} ${spec}: expected ${names.join(', ')} or a .npy file`, 2);
  const file = await readNpyFile(spec).catch((e: Error) => {
    throw new CliError(`${flag} ${spec}: ${e.message}`);
  });
  try {
    checkFiniteValues(npyToFloat32(file), `${flag} ${spec}`);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  return { spec, file };
}

export async function resolveBaseline(source: BaselineSource, pixels: Float32Array, H: number, W: number, C: number, flag = '--baseline'): Promise<PixelImage> {
  const { spec, file: arr } = source;
  if (spec === 'black') return blackBaseline(H, W, C);
  if (spec === 'uniform') return uniformBaseline(H, W, C, 0);
  if (spec === 'blur') return blurBaseline({ height: H, width: W, channels: C, data: pixels }, Math.max(H, W) / 20);
  if (!arr) throw new CliError(`${flag} ${spec}: expected black, uniform, blur or a .npy file`, 2);
  const shape = arr.shape.length === 4 && arr.shape[0] === 1 ? arr.shape.slice(1) : arr.shape;
  if (shape.length !== 3) throw new CliError(`${flag} ${spec}: expected shape [H, W, C], got [${arr.shape.join(', ')}]`, 2);
  try {
    return checkBaseline({ height: shape[0]!, width: shape[1]!, channels: shape[2]!, data: npyToFloat32(arr) }, H, W, C, `${flag} ${spec}`);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}
