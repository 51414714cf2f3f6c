/**
 * A model as a directed acyclic graph of named layers (a Keras functional model; a sequential
 * model is the chain case). It runs any part of the graph: until a layer (only that layer's
 * ancestors are computed), from a layer (only what lies downstream of it, with the outputs of
 * skip connections that bypass it given), capturing any layer's output on the way.
 */
import type { Backend } from '../kernels/backend.js';
import { getBackend } from '../tensor/engine.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { convThenBatchNorm, foldable, type BatchNormLayer } from './batch-norm-layer.js';
import type { LayeredModel, OutputHead, RunOptions, RunResult } from './layered-model.js';
import type { Layer } from './layers.js';
import type { MergeLayer } from './merge-layers.js';
import type { Preprocessing } from './preprocessing.js';

export type GraphLayer = Layer | MergeLayer;

export interface GraphNode {
  layer: GraphLayer;
  /** The nodes this layer reads, in argument order: layer names, or the model input's name. */
  inputs: readonly string[];
}

function isMerge(l: GraphLayer): l is MergeLayer {
  return (l as MergeLayer).merge === true;
}

/**
 * The head an output layer makes: its activation (a Dense/Conv's own, or an Activation layer's);
 * a merge, pooling or reshape at the output applies none, so it counts as linear.
 */
function headOf(layer: GraphLayer | undefined): OutputHead {
  if (!layer) return 'linear';
  if (layer.softmax) return 'softmax';
  const l = layer as { activation?: unknown; opts?: { activation?: unknown }; kind: string };
  const a = l.activation ?? l.opts?.activation;
  if (a === 'sigmoid') return 'sigmoid';
  if (a === 'linear') return 'linear';
  // Layers without an activation of their own (pooling, merges, reshapes) are linear; the
  // pointwise nonlinearities (ReLU with options, ELU, PReLU, …) are not.
  if (a === undefined && !['relu', 'leakyRelu', 'elu', 'prelu'].includes(l.kind)) return 'linear';
  return 'other';
}

/** A model as a DAG of named layers (Keras functional models); `SequentialModel` is its chain case. */
export class GraphModel implements LayeredModel {
  /** Every layer, each after the layers it reads (the order of `layerNames`). */
  readonly layers: readonly GraphLayer[];
  readonly layerNames: readonly string[];
  readonly numClasses: number;
  readonly hasSoftmax: boolean;
  /** What the output layer ends in: softmax, sigmoid, linear (regression) or other. */
  readonly head: OutputHead;
  readonly backend: Backend;
  /** The layer whose output is the model's output. */
  readonly outputName: string;
  /** Where the weights came from (a path), for reports. */
  source?: string;
  private readonly shapes = new Map<string, number[]>();
  private readonly inputsOf = new Map<string, readonly string[]>();
  private readonly byName = new Map<string, GraphLayer>();
  private readonly descendantsMemo = new Map<string, Set<string>>();
  /** Batch norms whose input is a convolution that only they read: name → the convolution's. */
  private readonly foldedConv = new Map<string, string>();

  constructor(
    readonly name: string,
    nodes: readonly GraphNode[],
    readonly inputShape: readonly [number, number, number],
    /** How pixels become inputs; settable (e.g. by a --preprocess choice after loading). */
    public preprocessing: Preprocessing,
    /** The model input's node name (an InputLayer's name). */
    readonly inputName = 'input',
    outputName?: string,
  ) {
    for (const n of nodes) {
      const l = n.layer.name;
      if (this.byName.has(l) || l === inputName) throw new Error(`model ${name}: two layers are named ${l}`);
      this.byName.set(l, n.layer);
      this.inputsOf.set(l, n.inputs);
    }
    const order = this.topologicalOrder(nodes);
    this.shapes.set(inputName, [...inputShape]);
    for (const l of order) {
      const layer = this.byName.get(l)!;
      const ins = this.inputsOf.get(l)!.map((i) => this.shapes.get(i)!);
      this.shapes.set(l, isMerge(layer) ? layer.mergedShape(ins) : layer.outputShape(this.single(l, ins)));
    }
    this.layerNames = order;
    this.layers = order.map((l) => this.byName.get(l)!);
    this.outputName = outputName ?? order.at(-1) ?? inputName;
    if (outputName !== undefined && !this.byName.has(outputName)) throw new Error(this.unknownLayer(outputName));
    const readers = new Map<string, number>();
    for (const l of order) for (const i of this.inputsOf.get(l)!) readers.set(i, (readers.get(i) ?? 0) + 1);
    for (const l of order) {
      const [conv, ...more] = this.inputsOf.get(l)!;
      if (more.length === 0 && conv !== undefined && readers.get(conv) === 1 && conv !== this.outputName && foldable(this.byName.get(conv), this.byName.get(l))) {
        this.foldedConv.set(l, conv);
      }
    }
    const outShape = this.shapes.get(this.outputName)!;
    this.numClasses = outShape.length === 1 ? outShape[0]! : 0;
    this.hasSoftmax = !!this.byName.get(this.outputName)?.softmax;
    this.head = headOf(this.byName.get(this.outputName));
    this.backend = this.layers.find((l) => l.weights.length > 0)?.weights[0]!.backend ?? getBackend();
  }

  layerShape(name: string): readonly number[] {
    const s = name === this.inputName ? undefined : this.shapes.get(name);
    if (!s) throw new Error(this.unknownLayer(name));
    return s;
  }

  /** Layers with a spatial (H, W, C) output, where class activation maps can be taken. */
  get spatialLayers(): string[] {
    return this.layerNames.filter((n) => this.shapes.get(n)!.length === 3);
  }

  layerKind(name: string): string {
    const l = this.byName.get(name);
    if (!l) throw new Error(this.unknownLayer(name));
    return l.kind;
  }

  /** The nodes a layer reads (layer names or the input's name). */
  inputsOfLayer(name: string): readonly string[] {
    const i = this.inputsOf.get(name);
    if (!i) throw new Error(this.unknownLayer(name));
    return i;
  }

  /** True when every layer reads exactly the one before it (a sequential model). */
  get isChain(): boolean {
    return this.layerNames.every((l, i) => {
      const ins = this.inputsOf.get(l)!;
      return ins.length === 1 && ins[0] === (i === 0 ? this.inputName : this.layerNames[i - 1]);
    });
  }

  headInputs(layer: string): readonly string[] {
    const down = this.descendants(layer);
    const out = new Set<string>();
    for (const d of down) for (const i of this.inputsOf.get(d)!) if (i !== layer && !down.has(i)) out.add(i);
    return [...out].sort((a, b) => this.position(a) - this.position(b));
  }

  run(x: Tensor, opts: RunOptions = {}): RunResult {
    const known = (n: string): void => {
      if (n !== this.inputName && !this.byName.has(n)) throw new Error(this.unknownLayer(n));
    };
    const start = opts.from ?? this.inputName;
    known(start);
    const expected = this.shapes.get(start)!;
    const got = x.shape.slice(1);
    if (x.rank !== expected.length + 1 || got.some((d, i) => d !== expected[i])) {
      const where = opts.from === undefined ? 'input' : `output of ${opts.from}`;
      throw new Error(`model ${this.name}: expected a batch of ${formatShape(expected)} (the ${where}), got ${formatShape(x.shape)}`);
    }
    const target = opts.until ?? this.outputName;
    known(target);
    const values = new Map<string, Tensor>(opts.given ?? []);
    values.set(start, x);
    if (opts.from !== undefined && target !== start && this.descendants(target).has(start)) {
      throw new Error(`model ${this.name}: --until ${opts.until} comes before --from ${opts.from}`);
    }
    const wanted = opts.capture ?? [];
    for (const n of wanted) known(n);
    // A run from a layer computes only what it can from the values it has; a run until a layer
    // skips captures downstream of it (as a chain stops there).
    const computable = this.computableFrom(values);
    const goals = [target, ...wanted.filter((n) => n !== target && computable(n) && !(opts.until !== undefined && this.descendants(opts.until).has(n)))];
    if (!computable(target)) {
      const missing = this.headInputs(start).filter((n) => !values.has(n));
      throw new Error(
        `model ${this.name}: running from ${start} to ${target} also needs the outputs of ${missing.join(', ')} (connections that bypass ${start}); pass them in 'given'`,
      );
    }
    const needed = new Set<string>();
    const visit = (n: string): void => {
      if (needed.has(n) || values.has(n)) return;
      needed.add(n);
      for (const i of this.inputsOf.get(n)!) visit(i);
    };
    for (const g of goals) visit(g);
    // conv → batch norm runs as one convolution when nothing asks for the convolution's output.
    const skipped = new Set<string>();
    for (const [bn, conv] of this.foldedConv) {
      if (needed.has(bn) && needed.has(conv) && conv !== target && !wanted.includes(conv)) skipped.add(conv);
    }
    for (const l of this.layerNames) {
      if (!needed.has(l) || skipped.has(l)) continue;
      const layer = this.byName.get(l)!;
      const conv = this.foldedConv.get(l);
      if (conv !== undefined && skipped.has(conv)) {
        const c = this.byName.get(conv) as Parameters<typeof convThenBatchNorm>[0];
        values.set(l, convThenBatchNorm(c, layer as BatchNormLayer, values.get(this.inputsOf.get(conv)![0]!)!));
        continue;
      }
      const ins = this.inputsOf.get(l)!.map((i) => values.get(i)!);
      const logits = opts.logits && l === this.outputName;
      values.set(l, isMerge(layer) ? layer.applyMerge(ins) : layer.apply(this.single(l, ins), { logits }));
    }
    const activations = new Map<string, Tensor>();
    for (const n of wanted) {
      const v = values.get(n);
      if (v) activations.set(n, v);
    }
    return { output: values.get(target)!, activations };
  }

  dispose(): void {
    for (const l of this.layers) for (const w of l.weights) w.dispose();
  }

  /** Layers strictly downstream of `name` (that read it, directly or not). */
  descendants(name: string): Set<string> {
    let d = this.descendantsMemo.get(name);
    if (!d) {
      d = new Set<string>();
      for (const l of this.layerNames) if (this.inputsOf.get(l)!.some((i) => i === name || d!.has(i))) d.add(l);
      this.descendantsMemo.set(name, d);
    }
    return d;
  }

  private computableFrom(values: ReadonlyMap<string, Tensor>): (n: string) => boolean {
    const memo = new Map<string, boolean>();
    const ok = (n: string): boolean => {
      if (values.has(n)) return true;
      if (n === this.inputName) return false;
      let r = memo.get(n);
      if (r === undefined) {
        r = this.inputsOf.get(n)!.every(ok);
        memo.set(n, r);
      }
      return r;
    };
    return ok;
  }

  private position(n: string): number {
    return n === this.inputName ? -1 : this.layerNames.indexOf(n);
  }

  private single<T>(layer: string, ins: readonly T[]): T {
    if (ins.length !== 1) throw new Error(`layer ${layer}: takes one input, got ${ins.length}`);
    return ins[0]!;
  }

  /** Keeps the given order wherever it already is topological (Keras configs are). */
  private topologicalOrder(nodes: readonly GraphNode[]): string[] {
    for (const n of nodes) {
      for (const i of n.inputs) {
        if (i !== this.inputName && !this.byName.has(i)) throw new Error(`model ${this.name}: layer ${n.layer.name} reads '${i}', which is not a layer of the model`);
      }
    }
    const order: string[] = [];
    const done = new Set<string>([this.inputName]);
    const pending = nodes.map((n) => n.layer.name);
    while (pending.length > 0) {
      const k = pending.findIndex((l) => this.inputsOf.get(l)!.every((i) => done.has(i)));
      if (k < 0) throw new Error(`model ${this.name}: the layers ${pending.join(', ')} form a cycle`);
      const [l] = pending.splice(k, 1);
      order.push(l!);
      done.add(l!);
    }
    return order;
  }

  private unknownLayer(name: string): string {
    return `model ${this.name} has no layer '${name}'; its layers are: ${this.layerNames.join(', ')}`;
  }
}
