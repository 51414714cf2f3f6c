/**
 * A sequential model with named layers: the interface attribution methods work through. It can
 * capture any layer's activation, stop after a layer, and start from a layer's output (so
 * RSI-Grad-CAM runs "the body" once without gradients and differentiates only "the head").
 */
import type { Backend } from '../kernels/backend.js';
import { getBackend } from '../tensor/engine.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layers.js';
import type { Preprocessing } from './preprocessing.js';

export interface RunOptions {
  /** `x` is the output of this layer; the run starts with the next one. */
  from?: string;
  /** Stop after this layer and return its output. */
  until?: string;
  /** Layers whose outputs to return in `activations`. */
  capture?: readonly string[];
  /** Return the pre-softmax values of a softmax head instead of probabilities. */
  logits?: boolean;
}

export interface RunResult {
  output: Tensor;
  activations: Map<string, Tensor>;
}

/** What attribution methods need of a model (VGG19, the digit model, or your own). */
export interface LayeredModel {
  readonly name: string;
  /** One example's input shape [H, W, C] in the model's input space. */
  readonly inputShape: readonly [number, number, number];
  readonly layerNames: readonly string[];
  readonly numClasses: number;
  /** True when the model's output is a softmax (probabilities), so `logits` is available. */
  readonly hasSoftmax: boolean;
  /** How pixels (RGB, 0–255) become model inputs. */
  readonly preprocessing: Preprocessing;
  /** Where the weights live: inputs must be created there. */
  readonly backend: Backend;
  /** One example's output shape of a layer, e.g. [14, 14, 512]. */
  layerShape(name: string): readonly number[];
  run(x: Tensor, opts?: RunOptions): RunResult;
}

export class SequentialModel implements LayeredModel {
  readonly layerNames: readonly string[];
  readonly numClasses: number;
  readonly hasSoftmax: boolean;
  readonly backend: Backend;
  /** Where the weights came from (a path), for reports. */
  source?: string;
  private readonly shapes = new Map<string, number[]>();

  constructor(
    readonly name: string,
    readonly layers: readonly Layer[],
    readonly inputShape: readonly [number, number, number],
    readonly preprocessing: Preprocessing,
  ) {
    const names = new Set<string>();
    let shape: number[] = [...inputShape];
    for (const l of layers) {
      if (names.has(l.name)) throw new Error(`model ${name}: two layers are named ${l.name}`);
      names.add(l.name);
      shape = l.outputShape(shape);
      this.shapes.set(l.name, shape);
    }
    this.layerNames = layers.map((l) => l.name);
    this.numClasses = shape.length === 1 ? shape[0]! : 0;
    this.hasSoftmax = layers.length > 0 && !!layers[layers.length - 1]!.softmax;
    this.backend = layers.find((l) => l.weights.length > 0)?.weights[0]!.backend ?? getBackend();
  }

  layerShape(name: string): readonly number[] {
    const s = this.shapes.get(name);
    if (!s) throw new Error(this.unknownLayer(name));
    return s;
  }

  /** Layers with a spatial (H, W, C) output, where class activation maps can be taken. */
  get spatialLayers(): string[] {
    return this.layerNames.filter((n) => this.shapes.get(n)!.length === 3);
  }

  run(x: Tensor, opts: RunOptions = {}): RunResult {
    const start = opts.from === undefined ? 0 : this.indexOf(opts.from) + 1;
    const end = opts.until === undefined ? this.layers.length - 1 : this.indexOf(opts.until);
    if (end < start - 1) throw new Error(`model ${this.name}: --until ${opts.until} comes before --from ${opts.from}`);
    const expected = opts.from === undefined ? this.inputShape : this.layerShape(opts.from);
    const got = x.shape.slice(1);
    if (x.rank !== expected.length + 1 || got.some((d, i) => d !== expected[i])) {
      const where = opts.from === undefined ? 'input' : `output of ${opts.from}`;
      throw new Error(`model ${this.name}: expected a batch of ${formatShape(expected)} (the ${where}), got ${formatShape(x.shape)}`);
    }
    const wanted = new Set(opts.capture ?? []);
    for (const n of wanted) this.indexOf(n);
    const activations = new Map<string, Tensor>();
    let h = x;
    for (let i = start; i <= end; i++) {
      const layer = this.layers[i]!;
      h = layer.apply(h, { logits: opts.logits && i === this.layers.length - 1 });
      if (wanted.has(layer.name)) activations.set(layer.name, h);
    }
    return { output: h, activations };
  }

  private indexOf(name: string): number {
    const i = this.layerNames.indexOf(name);
    if (i < 0) throw new Error(this.unknownLayer(name));
    return i;
  }

  private unknownLayer(name: string): string {
    return `model ${this.name} has no layer '${name}'; its layers are: ${this.layerNames.join(', ')}`;
  }

  dispose(): void {
    for (const l of this.layers) for (const w of l.weights) w.dispose();
  }
}
