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
  /** Returns the updated parameter (the caller owns it and disposes the old one). */
  step(param: Tensor, grad: Tensor): Tensor;
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

/** Keeps one state tensor per slot, replacing it each step. */
abstract class Stateful implements Optimizer {
  abstract readonly name: string;
  private state = new Map<string, Tensor>();
  protected get(key: string): Tensor | undefined {
    return this.state.get(key);
  }
  protected set(key: string, t: Tensor): void {
    this.state.get(key)?.dispose();
    this.state.set(key, keep(t));
  }
  abstract step(param: Tensor, grad: Tensor): Tensor;
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
  step(param: Tensor, grad: Tensor): Tensor {
    return noGrad(() =>
      scope(() => {
        let v = grad;
        if (this.momentum > 0) {
          const prev = this.get('v');
          v = prev ? op.add(op.mul(prev, op.scalarLike(grad, this.momentum)), grad) : grad;
          this.set('v', v);
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
  step(param: Tensor, grad: Tensor): Tensor {
    return noGrad(() =>
      scope(() => {
        const prev = this.get('a');
        const g2 = op.mul(grad, grad);
        const a = prev ? op.add(op.mul(prev, op.scalarLike(grad, this.rho)), op.mul(g2, op.scalarLike(grad, 1 - this.rho))) : op.mul(g2, op.scalarLike(grad, 1 - this.rho));
        this.set('a', a);
        const update = op.div(op.mul(grad, op.scalarLike(grad, this.learningRate)), op.add(op.sqrt(a), op.scalarLike(grad, this.epsilon)));
        return op.sub(param, update);
      }),
    );
  }
}

/** Adam with bias correction: p ← p − lr·m̂ / (√v̂ + ε). */
export class Adam extends Stateful {
  readonly name = 'adam';
  private t = 0;
  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super();
  }
  step(param: Tensor, grad: Tensor): Tensor {
    this.t++;
    return noGrad(() =>
      scope(() => {
        const c = (v: number): Tensor => op.scalarLike(grad, v);
        const m0 = this.get('m');
        const v0 = this.get('v');
        const m = op.add(m0 ? op.mul(m0, c(this.beta1)) : op.zerosLike(grad), op.mul(grad, c(1 - this.beta1)));
        const v = op.add(v0 ? op.mul(v0, c(this.beta2)) : op.zerosLike(grad), op.mul(op.mul(grad, grad), c(1 - this.beta2)));
        this.set('m', m);
        this.set('v', v);
        const mHat = op.div(m, c(1 - this.beta1 ** this.t));
        const vHat = op.div(v, c(1 - this.beta2 ** this.t));
        return op.sub(param, op.div(op.mul(mHat, c(this.learningRate)), op.add(op.sqrt(vHat), c(this.epsilon))));
      }),
    );
  }
}
