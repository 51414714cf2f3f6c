/**
 * First-order optimisers (Keras's update rules and defaults), updating tensors in place of the
 * caller's: each `step` takes the current value and its gradient and returns the new value.
 * Their state lives on the same backend as the parameter.
 */
import * as op from '../autograd/ops.js';
import { noGrad } from '../autograd/tape.js';
import { keep, scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export interface Optimizer {
  readonly name: string;
  /**
   * Returns the updated parameter (the caller owns it and disposes the old one). Several
   * parameters share one optimiser through `slot` (one per parameter: its own state, and for
   * Adam its own step count).
   */
  step(param: Tensor, grad: Tensor, slot?: number | string): Tensor;
  dispose(): void;
}

export type OptimizerName = 'sgd' | 'rmsprop' | 'adam';

export interface OptimizerOptions {
  learningRate?: number;
  /** RMSprop ρ (default 0.9). */
  rho?: number;
  /** Adam β1, β2 (defaults 0.9, 0.999). */
  beta1?: number;
  beta2?: number;
  /** Default 1e-7 (Keras). */
  epsilon?: number;
  /** SGD momentum (default 0). */
  momentum?: number;
}

export function createOptimizer(name: OptimizerName, opts: OptimizerOptions = {}): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd(opts.learningRate ?? 0.01, opts.momentum ?? 0);
    case 'rmsprop':
      return new RmsProp(opts.learningRate ?? 0.001, opts.rho ?? 0.9, opts.epsilon ?? 1e-7);
    case 'adam':
      return new Adam(opts.learningRate ?? 0.001, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon ?? 1e-7);
    default:
      throw new Error(`unknown optimizer '${String(name)}'; choose sgd, rmsprop or adam`);
  }
}

/** Keeps state tensors per parameter slot, replacing them each step. */
abstract class Stateful implements Optimizer {
  abstract readonly name: string;
  private state = new Map<string, Tensor>();
  protected get(slot: number | string, key: string, like: Tensor): Tensor | undefined {
    const t = this.state.get(`${slot}/${key}`);
    if (t && (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i]))) {
      throw new Error(
        `${this.name}: slot ${slot} holds state of shape [${t.shape.join(', ')}] but this parameter has shape [${like.shape.join(', ')}]; give each parameter its own slot: step(param, grad, slot)`,
      );
    }
    return t;
  }
  protected set(slot: number | string, key: string, t: Tensor): void {
    this.state.get(`${slot}/${key}`)?.dispose();
    this.state.set(`${slot}/${key}`, keep(t));
  }
  abstract step(param: Tensor, grad: Tensor, slot?: number | string): Tensor;
  dispose(): void {
    for (const t of this.state.values()) t.dispose();
    this.state.clear();
  }
}

/** p ← p − lr·v, v ← momentum·v + g. */
export class Sgd extends Stateful {
  readonly name = 'sgd';
  constructor(
    readonly learningRate: number,
    readonly momentum: number,
  ) {
    super();
  }
  step(param: Tensor, grad: Tensor, slot: number | string = 0): Tensor {
    return noGrad(() =>
      scope(() => {
        let v = grad;
        if (this.momentum > 0) {
          const prev = this.get(slot, 'v', param);
          v = prev ? op.add(op.mul(prev, op.scalarLike(grad, this.momentum)), grad) : grad;
          this.set(slot, 'v', v);
        }
        return op.sub(param, op.mul(v, op.scalarLike(grad, this.learningRate)));
      }),
    );
  }
}

/** Keras RMSprop: a ← ρa + (1−ρ)g², p ← p − lr·g / (√a + ε). */
export class RmsProp extends Stateful {
  readonly name = 'rmsprop';
  constructor(
    readonly learningRate: number,
    readonly rho: number,
    readonly epsilon: number,
  ) {
    super();
  }
  step(param: Tensor, grad: Tensor, slot: number | string = 0): Tensor {
    return noGrad(() =>
      scope(() => {
        const prev = this.get(slot, 'a', param);
        const g2 = op.mul(grad, grad);
        const a = prev ? op.add(op.mul(prev, op.scalarLike(grad, this.rho)), op.mul(g2, op.scalarLike(grad, 1 - this.rho))) : op.mul(g2, op.scalarLike(grad, 1 - this.rho));
        this.set(slot, 'a', a);
        const update = op.div(op.mul(grad, op.scalarLike(grad, this.learningRate)), op.add(op.sqrt(a), op.scalarLike(grad, this.epsilon)));
        return op.sub(param, update);
      }),
    );
  }
}

/** Adam with bias correction: p ← p − lr·m̂ / (√v̂ + ε). */
export class Adam extends Stateful {
  readonly name = 'adam';
  private readonly steps = new Map<number | string, number>();
  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super();
  }
  step(param: Tensor, grad: Tensor, slot: number | string = 0): Tensor {
    const t = (this.steps.get(slot) ?? 0) + 1;
    this.steps.set(slot, t);
    return noGrad(() =>
      scope(() => {
        const c = (v: number): Tensor => op.scalarLike(grad, v);
        const m0 = this.get(slot, 'm', param);
        const v0 = this.get(slot, 'v', param);
        const m = op.add(m0 ? op.mul(m0, c(this.beta1)) : op.zerosLike(grad), op.mul(grad, c(1 - this.beta1)));
        const v = op.add(v0 ? op.mul(v0, c(this.beta2)) : op.zerosLike(grad), op.mul(op.mul(grad, grad), c(1 - this.beta2)));
        this.set(slot, 'm', m);
        this.set(slot, 'v', v);
        const mHat = op.div(m, c(1 - this.beta1 ** t));
        const vHat = op.div(v, c(1 - this.beta2 ** t));
        return op.sub(param, op.div(op.mul(mHat, c(this.learningRate)), op.add(op.sqrt(vHat), c(this.epsilon))));
      }),
    );
  }
}
