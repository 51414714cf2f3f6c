/**
 * The narrow view of a weight file that model builders need: layers in order, each with its
 * weights in order (kernel, then bias). The Keras reader produces it; so can anything else.
 */
export interface WeightArray {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export interface WeightLayer {
  name: string;
  /** Keras class name when the file says it (Keras 3 group names, model configs). */
  className?: string;
  weights: readonly WeightArray[];
}
