/**
 * tf.keras 2's TFOpLambda layers: the raw TensorFlow calls it records when a model's code applies a
 * tf.* function or an operator to a Keras tensor (keras.applications' MobileNetV3 writes its
 * hard-sigmoid as `ReLU(6.)(x + 3.) * (1. / 6.)`, two such layers). The subset those models use is
 * rebuilt from existing differentiable ops; any other function is refused naming it and the layer.
 *
 * Keras 2 stores the call in the layer's inbound node: the first argument is the node reference
 * itself, `["re_lu", 0, 0, {"y": 3.0, "name": null}]` (TFOpLambda keeps its argument's structure, so
 * there is no enclosing list), and the other arguments are keyword arguments in its fourth entry:
 * a number, or a tensor written as a reference `["other_layer", 0, 0]` (then the layer has two inputs).
 */
import * as op from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GraphLayer } from './graph-model.js';
import { BinaryOpLayer } from './merge-layers.js';
import { PointwiseLayer } from './pointwise-layers.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;

/** TensorFlow's name (after `tf.`) → the op, for the binary functions with a tensor or a number `y`. */
const BINARY: Readonly<Record<string, Binary>> = {
  '__operators__.add': op.add,
  'math.add': op.add,
  'math.subtract': op.sub,
  'math.multiply': op.mul,
  'math.truediv': op.div,
  'math.divide': op.div,
};

/** Functions of one tensor. */
const UNARY: Readonly<Record<string, (x: Tensor) => Tensor>> = {
  'nn.relu': (x) => op.relu(x),
  'nn.relu6': (x) => op.minimum(op.relu(x), op.scalarLike(x, 6)),
};

export const SUPPORTED_TF_OPS = [...Object.keys(BINARY), ...Object.keys(UNARY)].map((f) => `tf.${f}`).join(', ');

/** The function a TFOpLambda config names, without its `tf.` prefix. */
export function tfOpFunction(c: Record<string, unknown>): string {
  return String(c.function ?? '').replace(/^tf\./, '');
}

/** Why a TFOpLambda config cannot be built, judged from its function alone; null when it is one of the subset. */
export function tfOpProblem(c: Record<string, unknown>): string | null {
  const fn = tfOpFunction(c);
  if (BINARY[fn] || UNARY[fn]) return null;
  if (fn === '') return `a TFOpLambda layer (a TensorFlow call recorded by tf.keras 2) whose config names no function; rebuild that part with Keras layers`;
  return `TFOpLambda function tf.${fn} (a TensorFlow call recorded by tf.keras 2) is not supported (supported: ${SUPPORTED_TF_OPS}); rebuild that part with Keras layers`;
}

/** A Keras 2 tensor reference in a call's keyword arguments: `[layer, node, tensor]`. */
export function isTensorRef(v: unknown): v is [string, number, number] {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';
}

/**
 * The TFOpLambda layer of one config entry. `inboundNodes` is the entry's `inbound_nodes` (the
 * constant operand lives there, not in the layer config).
 */
export function buildTfOpLayer(name: string, c: Record<string, unknown>, inboundNodes: unknown): GraphLayer {
  const problem = tfOpProblem(c);
  if (problem) throw new Error(`layer ${name}: ${problem}`);
  const fn = tfOpFunction(c);
  if (!Array.isArray(inboundNodes) || inboundNodes.length !== 1) {
    throw new Error(`layer ${name}: TFOpLambda tf.${fn} needs exactly one inbound node in the config, got ${Array.isArray(inboundNodes) ? inboundNodes.length : 'none'}`);
  }
  const node = inboundNodes[0] as unknown[];
  const ref = Array.isArray(node) && typeof node[0] === 'string' ? node : Array.isArray(node) && node.length === 1 && Array.isArray(node[0]) ? (node[0] as unknown[]) : null;
  if (!ref || typeof ref[0] !== 'string') throw new Error(`layer ${name}: TFOpLambda tf.${fn} must be called on one tensor first, got ${JSON.stringify(node)}`);
  const kwargs = (ref[3] ?? {}) as Record<string, unknown>;
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new Error(`layer ${name}: TFOpLambda tf.${fn} has call arguments ${JSON.stringify(ref[3])} that are not an object`);
  const unary = UNARY[fn];
  const allowed = unary ? ['name'] : ['y', 'name'];
  const extra = Object.keys(kwargs).filter((k) => !allowed.includes(k) && kwargs[k] !== null);
  if (extra.length > 0) throw new Error(`layer ${name}: TFOpLambda tf.${fn} with argument(s) ${extra.join(', ')} is not supported`);
  if (unary) return new PointwiseLayer(name, 'tfOpLambda', unary);
  const f = BINARY[fn]!;
  const y = kwargs.y;
  if (typeof y === 'number' && Number.isFinite(y)) return new PointwiseLayer(name, 'tfOpLambda', (x) => f(x, op.scalarLike(x, y)));
  if (isTensorRef(y)) return new BinaryOpLayer(name, `tf.${fn}`, f, 'tfOpLambda');
  throw new Error(`layer ${name}: TFOpLambda tf.${fn} with y = ${JSON.stringify(y)} is not supported (a number or one tensor)`);
}
