/**
 * The tape. While a GradientTape records, every primitive whose inputs depend on a watched tensor
 * appends one node: its inputs, its output and its VJP rule (a closure written with tensor ops, so
 * gradients run on whichever backend holds the data). Ops on tensors that do not depend on a
 * watched tensor are not recorded at all, and `gradient` walks only the nodes that lie on a path
 * from the requested tensors to the output: asking for ∂y/∂A at a hidden layer A never touches
 * the layers below A.
 *
 * Rules run while enclosing tapes still record, so a backward pass computed under another tape
 * is itself recorded there and can be differentiated again (a gradient of a gradient); a rule
 * that is not differentiable says so when recorded (RecordOptions.secondOrder).
 */
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A VJP rule: given the cotangent of the output, the cotangents of each input (null: none).
 * `needs[i]` says whether input i's cotangent is wanted (it leads to a requested tensor): rules
 * whose cotangents cost real work skip the others (see `cotangents`), so that a gradient with
 * respect to the input image never computes the filter gradients of the layers it passes.
 */
export type VjpRule = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

/** A rule's result: each input's cotangent computed only where `needs` asks for it. */
export function cotangents(needs: readonly boolean[], ...perInput: (() => Tensor | null)[]): (Tensor | null)[] {
  return perInput.map((f, i) => (needs[i] ? f() : null));
}

export interface RecordOptions {
  /**
   * Whether the rule is itself differentiable (default true): true when it is written with
   * recorded ops, so a gradient of the gradient can run through it. A rule that calls a kernel
   * with no adjoint (max-pool's gradient routing) says false, and differentiating through its
   * result throws an error naming the op instead of giving a silent zero.
   */
  secondOrder?: boolean;
}

interface Node {
  op: string;
  inputs: readonly Tensor[];
  output: Tensor;
  vjp: VjpRule;
  secondOrder: boolean;
}

const recording: GradientTape[] = [];
let paused = 0;

/**
 * Records `output = op(inputs)` on every recording tape that watches one of the inputs.
 * Primitives call this right after computing their output, with their VJP rule beside it.
 */
export function record(op: string, inputs: readonly Tensor[], output: Tensor, vjp: VjpRule, opts: RecordOptions = {}): Tensor {
  if (paused > 0 || recording.length === 0) return output;
  const secondOrder = opts.secondOrder ?? true;
  for (const tape of recording) {
    if (inputs.some((t) => tape.isTracked(t))) tape.push({ op, inputs, output, vjp, secondOrder });
  }
  return output;
}

/** Runs fn without recording anything (inference, or work that must stay off the tape). */
export function noGrad<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/** True when some tape would record an op on these inputs. */
export function isRecording(): boolean {
  return paused === 0 && recording.length > 0;
}

/** True when a recording tape tracks one of these tensors (work on them is being differentiated). */
export function isTrackedByAnyTape(ts: readonly Tensor[]): boolean {
  return paused === 0 && recording.some((tape) => ts.some((t) => tape.isTracked(t)));
}

/**
 * A tape in the style of TensorFlow's GradientTape: watch tensors, compute, ask for gradients of
 * a result with respect to any watched or derived tensor (inputs or intermediate activations).
 * The tape holds references only; memory is owned by scopes (see `scope`).
 */
export class GradientTape {
  private readonly tracked = new Set<number>();
  private nodes: Node[] = [];
  private active = true;

  constructor() {
    recording.push(this);
  }

  /** Starts tracking t: ops that use it (or anything derived from it) are recorded from now on. */
  watch<T extends Tensor>(t: T): T {
    this.tracked.add(t.id);
    return t;
  }

  /** @internal */
  isTracked(t: Tensor): boolean {
    return this.tracked.has(t.id);
  }

  /** @internal */
  push(node: Node): void {
    this.nodes.push(node);
    this.tracked.add(node.output.id);
  }

  /** Stops recording (gradient() also stops it). */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    const i = recording.lastIndexOf(this);
    if (i >= 0) recording.splice(i, 1);
  }

  /**
   * Gradients of `y` (seeded with `dy`, default ones; y must then be a scalar unless dy is given)
   * with respect to each tensor in `wrt`. A tensor that y does not depend on gets zeros.
   * Releases the tape: call once.
   */
  gradient(y: Tensor, wrt: readonly Tensor[], dy?: Tensor): Tensor[] {
    this.stop();
    if (this.nodes.length === 0 && this.tracked.size === 0) {
      throw new Error('gradient: this tape was already used; record again with a new tape');
    }
    for (const w of wrt) {
      if (!this.tracked.has(w.id)) {
        throw new Error(
          `gradient: tensor ${formatShape(w.shape)} (#${w.id}) was neither watched nor computed from a watched tensor while this tape recorded`,
        );
      }
    }
    const seed = dy ?? onesLike(y);
    if (!dy && y.size !== 1) {
      throw new Error(`gradient: y has shape ${formatShape(y.shape)}; pass dy (the output cotangent) for a non-scalar y`);
    }
    if (!shapesEqual(seed.shape, y.shape)) {
      throw new Error(`gradient: dy has shape ${formatShape(seed.shape)} but y has shape ${formatShape(y.shape)}`);
    }
    const nodes = this.nodes;
    this.nodes = [];
    this.tracked.clear();

    // Nodes downstream of a requested tensor...
    const fromWrt = new Set(wrt.map((w) => w.id));
    const downstream = nodes.map((n) => {
      const hit = n.inputs.some((t) => fromWrt.has(t.id));
      if (hit) fromWrt.add(n.output.id);
      return hit;
    });
    // ...and upstream of y: only these are visited.
    const needed = new Set([y.id]);
    const onPath = new Array<boolean>(nodes.length).fill(false);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i]!;
      if (downstream[i] && needed.has(n.output.id)) {
        onPath[i] = true;
        for (const t of n.inputs) needed.add(t.id);
      }
    }

    // The rules run while this tape is stopped but enclosing tapes still record: where they
    // track the data, the backward pass lands on them too, which is what differentiates twice.
    const grads = new Map<number, Tensor>([[y.id, seed]]);
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (!onPath[i]) continue;
      const n = nodes[i]!;
      const g = grads.get(n.output.id);
      if (!g) continue;
      const dxs = n.vjp(g, n.inputs.map((x) => fromWrt.has(x.id)));
      n.inputs.forEach((x, k) => {
        const dx = dxs[k];
        if (!dx || !fromWrt.has(x.id)) return;
        if (!shapesEqual(dx.shape, x.shape)) {
          throw new Error(
            `internal: the VJP of ${n.op} returned ${formatShape(dx.shape)} for an input of shape ${formatShape(x.shape)}`,
          );
        }
        if (!n.secondOrder) markFirstOrderOnly(n, g, dx);
        const prev = grads.get(x.id);
        grads.set(x.id, prev ? addTensors(prev, dx) : dx);
      });
    }
    return wrt.map((w) => grads.get(w.id) ?? zerosLike(w));
  }
}

/**
 * A rule without a second-order rule computed dx from g and its inputs with an unrecorded kernel:
 * an enclosing tape that tracks them would see dx as a constant and differentiate it to zero.
 * Record dx there with a rule that refuses, naming the op, so the mistake cannot pass silently.
 */
function markFirstOrderOnly(n: Node, g: Tensor, dx: Tensor): void {
  record(`${n.op} gradient`, [g, ...n.inputs], dx, () => {
    throw new Error(
      `${n.op} has no second-order rule: its gradient cannot be differentiated again (a gradient of a gradient through ${n.op}). Differentiate it once only, or compose it from ops that have one.`,
    );
  });
}

// The tape needs three ops; they are injected to keep this file free of op imports (no cycle).
let addTensors: (a: Tensor, b: Tensor) => Tensor = () => {
  throw new Error('tape not initialised');
};
let onesLike: (t: Tensor) => Tensor = addTensors as never;
let zerosLike: (t: Tensor) => Tensor = addTensors as never;

/** @internal Wired up once by the ops module. */
export function installTapeOps(ops: {
  add: (a: Tensor, b: Tensor) => Tensor;
  onesLike: (t: Tensor) => Tensor;
  zerosLike: (t: Tensor) => Tensor;
}): void {
  addTensors = ops.add;
  onesLike = ops.onesLike;
  zerosLike = ops.zerosLike;
}
