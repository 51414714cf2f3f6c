/**
 * What reading a Keras weight file produces, whatever the Keras generation that wrote it.
 * Consumers match weights to their model by layer (name or order) and by order within the
 * layer (kernel, then bias): weight names differ between generations.
 */

/**
 * Which writer's layout the file follows (see docs/keras-format.md):
 * - `keras1`: Keras 1 with TensorFlow conventions (root attr `layer_names` only; the real VGG19 file)
 * - `keras1-theano`: Keras 1 with Theano conventions: conv kernels (Cout, Cin, kh, kw), spatially
 *   flipped, channels-first flatten (c, h, w). See theano.ts to convert.
 * - `keras2`: Keras 2 `save_weights` (root `layer_names`, `backend`, `keras_version`)
 * - `keras2-model`: a full-model `save` (weights under `model_weights`, root attr `model_config`)
 * - `keras3`: Keras 3 `.weights.h5` (`layers/<class_snake>[_N]/vars/<i>`), alone or in a `.keras` zip
 */
export type KerasGeneration = 'keras1' | 'keras1-theano' | 'keras2' | 'keras2-model' | 'keras3';

export interface KerasWeight {
  /** The name the file gives it: `block1_conv1_W_1:0`, `conv2d/kernel:0`, or `0` (Keras 3). */
  readonly name: string;
  /** HDF5 path of the dataset. */
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  /** A view over the file bytes when aligned, otherwise one copy of them. */
  readonly data: Float32Array;
}

export interface KerasLayerWeights {
  /** Layer name (`block1_conv1`). Keras 3: attr `name` of the `vars` group, else the group key. */
  readonly name: string;
  /** Keras class name (`Conv2D`), when the file's model config says so. */
  readonly className?: string;
  /** HDF5 path of the layer's group. */
  readonly path: string;
  /** In file order (kernel, then bias); empty for layers without weights. */
  readonly weights: readonly KerasWeight[];
}

export interface KerasWeights {
  readonly generation: KerasGeneration;
  /** `tensorflow`, `theano`, ... when recorded (or inferred, for Keras 1 Theano files). */
  readonly backend?: string;
  readonly kerasVersion?: string;
  /** Parsed `model_config` attribute (Keras 2 full model) or `config.json` (`.keras`). */
  readonly modelConfig?: unknown;
  /**
   * Every layer, in model order: `layer_names` order for Keras 1/2; for Keras 3, model order
   * when a config is available (`.keras`), otherwise grouped by class and sorted by numeric
   * suffix (`conv2d`, `conv2d_1`, ..., `conv2d_15`, `dense`, ...), which is Keras 3's own
   * per-class order.
   */
  readonly layers: readonly KerasLayerWeights[];
}

/** The layers that carry weights, in order: what Keras matches model layers against. */
export function layersWithWeights(weights: KerasWeights): KerasLayerWeights[] {
  return weights.layers.filter((l) => l.weights.length > 0);
}
