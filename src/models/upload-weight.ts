/**
 * A file's weight array as a tensor on a backend, copied once: by the backend's `upload` (the
 * generic `fromArray` copies into a fresh array first, which for VGG19's 548 MB is a second
 * copy of every weight). The builders take all their weights through this.
 */
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { assertValidShape, formatShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { WeightArray } from './weights-source.js';

export function uploadWeight(w: WeightArray, backend: Backend, dtype: DType = 'float32'): Tensor {
  // float64 (CPU only) goes through the checks of the generic path.
  if (dtype !== 'float32') return fromArray(w.data, w.shape, { backend, dtype });
  assertValidShape('weight', w.shape);
  if (sizeOf(w.shape) !== w.data.length) throw new Error(`weight ${w.name}: ${w.data.length} values do not fill shape ${formatShape(w.shape)}`);
  return Tensor.fromStorage(backend, backend.upload(w.data, 'float32'), w.shape, 'float32');
}
