/** Reading results back: the one place attribution code waits for the device. */
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Reads a tensor's values as float32 and disposes it. */
export async function readAndDispose(t: Tensor): Promise<Float32Array> {
  try {
    const v: TypedArray = await t.data();
    return v instanceof Float32Array ? v : Float32Array.from(v);
  } finally {
    t.dispose();
  }
}
