/**
 * Keras 3's operation nodes: arithmetic on symbolic tensors inside a functional model. Keras 3 has
 * no TFOpLambda; `x + 3.0` on a KerasTensor calls `ops.Add().symbolic_call(x, 3.0)`
 * (keras/src/backend/common/keras_tensor.py), an Operation that `Functional.get_config` writes
 * beside the layers (keras/src/models/functional.py, `serialize_node`):
 *
 *   {"module": "keras.src.ops.numpy", "class_name": "Add", "config": {"name": "add"},
 *    "registered_name": "Add", "name": "add",
 *    "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": …,
 *      "dtype": "float32", "keras_history": ["conv", 0, 0]}}, 3.0], "kwargs": {}}]}
 *
 * The call's positional arguments are in order, each a tensor or a plain number (`3.0 + x` writes
 * [3.0, tensor]). Keras 3's MobileNetV3 writes its hard-sigmoid as `ReLU(6.)(x + 3.) * (1. / 6.)`
 * (an Add and a Multiply around a ReLU layer) and ConvNeXt its residual as `inputs + x` (an Add of
 * two tensors). The element-wise ops are rebuilt from existing differentiable ops; any other
 * operation is refused naming the layer and the op. An operation's class name may be a layer's
 * too (Add, Multiply): the module (`keras.src.ops.*`, `keras.ops.*`) tells them apart.
 */
import * as op from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { activate } from './activations.js';
import type { GraphLayer } from './graph-model.js';
import { PointwiseLayer } from './pointwise-layers.js';
import { BinaryOpLayer } from './merge-layers.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;

/** `<ops module>.<class>` → the op, for the element-wise ops of two operands (tensors or numbers). */
const BINARY: Readonly<Record<string, Binary>> = {
  'numpy.Add': op.add,
  'numpy.Subtract': op.sub,
  'numpy.Multiply': op.mul,
  'numpy.Divide': op.div,
  'numpy.TrueDivide': op.div,
};

/** Operations of one tensor. */
const UNARY: Readonly<Record<string, (x: Tensor) => Tensor>> = {
  'numpy.Negative': (x) => op.neg(x),
  'nn.Relu': (x) => activate(x, 'relu'),
  'nn.Relu6': (x) => activate(x, 'relu6'),
  'nn.Sigmoid': (x) => activate(x, 'sigmoid'),
  // Keras 3's hard_sigmoid is relu6(x + 3) / 6 and hard_silu x · hard_sigmoid(x).
  'nn.HardSigmoid': (x) => activate(x, 'hard_sigmoid'),
  'nn.HardSilu': (x) => activate(x, 'hard_swish'),
};

export const SUPPORTED_KERAS_OPERATIONS = [...Object.keys(BINARY), ...Object.keys(UNARY)].map((k) => `ops.${k.split('.')[1]}`).join(', ');

/**
 * The module path of Keras 3's operations: keras.src.ops.numpy, as Keras 3's source writes it;
 * keras.ops.numpy (the public path) is accepted too, in case a release wrote that (not seen here).
 */
const OPS_MODULE = /^keras(?:\.src)?\.ops\.(\w+)$/;

interface OperationEntry {
  module?: unknown;
  class_name?: unknown;
  inbound_nodes?: unknown;
}

/** True for a Keras 3 config entry that is an operation (keras.src.ops.*), not a layer. */
export function isKerasOperation(entry: OperationEntry): boolean {
  return typeof entry.module === 'string' && OPS_MODULE.test(entry.module);
}

/** `numpy.Add` for an entry of module keras.src.ops.numpy and class Add. */
function opKey(entry: OperationEntry): string {
  return `${OPS_MODULE.exec(String(entry.module))?.[1] ?? ''}.${String(entry.class_name)}`;
}

/** Why an operation entry cannot be built, judged from its module and class; null for the supported ones. */
export function kerasOperationProblem(entry: OperationEntry): string | null {
  const key = opKey(entry);
  if (BINARY[key] || UNARY[key]) return null;
  return `Keras 3 operation ${String(entry.module)}.${String(entry.class_name)} (arithmetic on Keras tensors recorded in the model) is not supported (supported: ${SUPPORTED_KERAS_OPERATIONS}); rebuild that part with Keras layers`;
}

function isKerasTensor(v: unknown): boolean {
  return (v as { class_name?: unknown } | null)?.class_name === '__keras_tensor__';
}

/** The layer of one operation entry, from its single call's arguments (tensors and numbers). */
export function buildKerasOperation(name: string, entry: OperationEntry): GraphLayer {
  const problem = kerasOperationProblem(entry);
  if (problem) throw new Error(`layer ${name}: ${problem}`);
  const key = opKey(entry);
  const what = `operation ${String(entry.class_name)}`;
  const nodes = entry.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length !== 1) {
    throw new Error(`layer ${name}: ${what} needs exactly one call in the config, got ${Array.isArray(nodes) ? nodes.length : 'none'}`);
  }
  const node = nodes[0] as { args?: unknown; kwargs?: unknown };
  const args = node?.args;
  if (!Array.isArray(args)) throw new Error(`layer ${name}: ${what} has a call without an 'args' list`);
  const kwargs = node.kwargs ?? {};
  const extra = typeof kwargs === 'object' && kwargs !== null ? Object.keys(kwargs).filter((k) => (kwargs as Record<string, unknown>)[k] !== null) : ['kwargs'];
  if (extra.length > 0) throw new Error(`layer ${name}: ${what} called with keyword argument(s) ${extra.join(', ')} is not supported (positional arguments only)`);

  const unary = UNARY[key];
  if (unary) {
    if (args.length !== 1 || !isKerasTensor(args[0])) throw new Error(`layer ${name}: ${what} needs one tensor, got ${JSON.stringify(args)}`);
    return new PointwiseLayer(name, 'kerasOp', unary);
  }
  const f = BINARY[key]!;
  if (args.length !== 2) throw new Error(`layer ${name}: ${what} needs 2 operands, got ${args.length}`);
  const [a, b] = args as [unknown, unknown];
  const number = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (isKerasTensor(a) && isKerasTensor(b)) return new BinaryOpLayer(name, `ops.${String(entry.class_name)}`, f, 'kerasOp');
  if (isKerasTensor(a) && number(b)) return new PointwiseLayer(name, 'kerasOp', (x) => f(x, op.scalarLike(x, b)));
  if (number(a) && isKerasTensor(b)) return new PointwiseLayer(name, 'kerasOp', (x) => f(op.scalarLike(x, a), x));
  throw new Error(`layer ${name}: ${what} of ${describe(a)} and ${describe(b)} is not supported (a tensor and a number, or two tensors)`);
}

function describe(v: unknown): string {
  if (isKerasTensor(v)) return 'a tensor';
  const cls = (v as { class_name?: unknown } | null)?.class_name;
  if (typeof cls === 'string') return `a ${cls} constant`;
  return JSON.stringify(v) ?? String(v);
}
