/** cast between float32 and float64 (float64 on the CPU only); the gradient casts back. */
import type { DType } from '../../tensor/dtype.js';
import { execute } from '../../tensor/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const from = x.dtype;
  const out = execute('cast', [x], x.shape, (be, [xi]) => be.cast(xi!, dtype), dtype);
  return record('cast', [x], out, (dy) => [cast(dy, from)]);
}

/** Copies x to another backend (reads it back when it leaves an asynchronous device). */
export async function toBackend(x: Tensor, backend: import('../../kernels/backend.js').Backend): Promise<Tensor> {
  if (x.backend === backend) return x.view();
  const values = await x.data();
  if (x.dtype === 'float64' && !backend.supportsFloat64) {
    throw new Error(`toBackend: the ${backend.name} backend has no float64; cast to float32 first`);
  }
  return Tensor.fromStorage(backend, backend.upload(values, x.dtype), x.shape, x.dtype);
}
