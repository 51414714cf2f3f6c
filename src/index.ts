/**
 * stieltjes: reverse-mode autodiff with CPU, WebAssembly and WebGPU backends, Keras weight loading, and
 * attribution methods for image classifiers. This entry point is browser-safe: Node-only file
 * helpers live in `stieltjes/node`, the WebGPU backend in `stieltjes/webgpu`.
 *
 * The list below is deliberate: what a user needs, by group. Anything not named here (kernel
 * helpers, the HDF5 and ZIP readers, Keras layout internals, argument checks) is internal and
 * may change; code in this repository imports it from its own file. docs/api.md lists this
 * surface and test/api/public-surface.test.ts fails when one changes without the other.
 */

// Tensors: creation, seeded random numbers and memory scopes.
export {
  Tensor,
  tensor,
  fromArray,
  scalar,
  zeros,
  ones,
  full,
  arange,
  linspace,
  oneHot,
  randomUniform,
  randomNormal,
  Random,
  scope,
  scopeAsync,
  keep,
  type DType,
  type TypedArray,
  type Shape,
  type NestedArray,
  type CreateOptions,
  type RandomOptions,
} from './tensor/index.js';

// Ops: every differentiable operation (importing them also wires the tape's own ops).
export {
  // elementwise
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  equal,
  greater,
  greaterEqual,
  abs,
  neg,
  exp,
  log,
  sqrt,
  square,
  relu,
  sign,
  step,
  where,
  // constants that follow their input's backend and dtype
  scalarLike,
  fullLike,
  onesLike,
  zerosLike,
  // reductions
  sum,
  mean,
  max,
  min,
  // shapes and layout
  reshape,
  flatten,
  expandDims,
  squeeze,
  transpose,
  slice,
  concat,
  split,
  pad,
  broadcastTo,
  sumTo,
  cast,
  toBackend,
  // neural-network ops
  matmul,
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  depthwiseConv2d,
  depthwiseConv2dBackpropInput,
  depthwiseConv2dBackpropFilter,
  maxPool2d,
  avgPool2d,
  resizeBilinear,
  softmax,
  logSoftmax,
  pickClasses,
  type MatmulOptions,
  type Conv2DOptions,
  type Pool2DOptions,
  type ReduceOptions,
  type PaddingSpec,
} from './autograd/index.js';

// Autodiff: the tape, the functional API, and custom primitives (record a forward with its VJP).
export { GradientTape, vjp, grad, valueAndGrad, noGrad, record, type VjpRule, type RecordOptions, type VjpResult } from './autograd/index.js';

// Backends: the interface, the CPU backend (float32, and float64 as the oracle), the WebAssembly
// backend (float32, kernels generated at run time), and the default that ops use when no backend
// is named. The WebGPU backend is in `stieltjes/webgpu`.
export { getBackend, setBackend, withBackend } from './tensor/index.js';
export { CpuBackend, cpuBackend } from './kernels/cpu/cpu-backend.js';
export { createWasmBackend, type WasmBackendOptions } from './kernels/wasm/create-wasm-backend.js';
export type { WasmBackend } from './kernels/wasm/wasm-backend.js';
import './default-backend.js'; // the CPU is the default backend (tensor/ imports no backend)
export type { Backend, BackendInfo } from './kernels/backend.js';
export type { TuningReport } from './kernels/tuning.js';

// Models: the interface attribution needs, graph (functional) and sequential models and their
// layers, VGG19, preprocessing, turning an image into a model input, and ImageNet labels.
export {
  GraphModel,
  SequentialModel,
  BatchNormLayer,
  ElementwiseMergeLayer,
  ConcatenateLayer,
  ZeroPadding2DLayer,
  GlobalMaxPoolLayer,
  DepthwiseConv2DLayer,
  SeparableConv2DLayer,
  GroupedConv2DLayer,
  LayerNormLayer,
  Conv2DLayer,
  DenseLayer,
  Pool2DLayer,
  GlobalAveragePoolLayer,
  FlattenLayer,
  ActivationLayer,
  IdentityLayer,
  LambdaLayer,
  buildVgg19,
  VGG19_LAYERS,
  preprocess,
  unpreprocess,
  caffe,
  unitScale,
  noPreprocessing,
  symmetricScale,
  torchScale,
  PIXEL_SCALINGS,
  pixelScaling,
  resolvePixelScaling,
  saturationWarning,
  outputSaturationWarning,
  zeroMapWarning,
  type PixelScaling,
  type PixelScalingChoice,
  type PixelScalingEvidence,
  type ResolvedPixelScaling,
  prepareImage,
  prepareImageData,
  pixelsToInput,
  rgbFromRgba,
  imagenetClasses,
  classInfo,
  findClassIndex,
  topClasses,
  type LayeredModel,
  type RunOptions,
  type RunResult,
  type GraphNode,
  type GraphLayer,
  type MergeLayer,
  type ElementwiseMergeKind,
  type BatchNormParams,
  type DepthwiseOptions,
  type Layer,
  type Activation,
  type Vgg19Options,
  type Preprocessing,
  type ModelInput,
  type ImagenetClass,
  type ClassScore,
} from './models/index.js';

// Keras loading: a model from a file's bytes (any Keras generation, .h5 or .keras), the weights
// alone, a model from a Keras JSON config, and the errors a bad file raises. From a path:
// `loadModelFile` in `stieltjes/node`.
export {
  modelFromBytes,
  modelFromKerasWeights,
  applyPixelScaling,
  readKerasBytes,
  readKerasWeights,
  buildFromKerasConfig,
  KerasFormatError,
  Hdf5Error,
  type LoadModelOptions,
  type ReadKerasWeightsOptions,
  type KerasConfigOptions,
  type KerasWeights,
  type KerasLayerWeights,
  type KerasWeight,
  type KerasGeneration,
  type WeightLayer,
  type WeightArray,
} from './models/index.js';

// Attribution methods: Integrated Gradients, Grad-CAM, RSI-Grad-CAM, baselines and their
// optimisation, deletion/insertion metrics, and the options they share.
export {
  integratedGradients,
  gradCam,
  rsiGradCam,
  defaultCamLayer,
  predict,
  blackBaseline,
  uniformBaseline,
  blurBaseline,
  optimizeBaseline,
  deletionInsertion,
  QUADRATURE_RULES,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
  type CamOptions,
  type CamMap,
  type GradCamResult,
  type RsiGradCamOptions,
  type RsiGradCamResult,
  type RsiCamMap,
  type RsiRule,
  type RsiWeighting,
  type QuadratureRule,
  type TargetOptions,
  type ScoreKind,
  type PixelImage,
  type BaselineKind,
  type OptimizeBaselineOptions,
  type OptimizeBaselineResult,
  type BaselineStats,
  type OutputLoss,
  type CurveOptions,
  type Curve,
  type DeletionInsertion,
  type Progress,
  type LongRunOptions,
  type TunableRunOptions,
} from './attribution/index.js';

// One front door: explain(model, input, { method, ... }) gives one Explanation for every method
// (files: writeExplanation in `stieltjes/node`).
export {
  explain,
  explanationSummary,
  EXPLAIN_METHODS,
  NonFiniteError,
  firstNonFiniteLayer,
  type ExplainOptions,
  type IntegratedGradientsExplainOptions,
  type GradCamExplainOptions,
  type RsiGradCamExplainOptions,
  type BaselineSpec,
  type BaselineOptimizationOptions,
  type Explanation,
  type ExplainMethod,
  type ExplanationMap,
  type ExplanationTarget,
  type ExplanationScores,
  type Completeness,
  type BaselineOptimization,
} from './attribution/index.js';

// Heatmaps: a raw map → upsampled, normalised, coloured, overlaid on the image, in a panel.
export {
  renderHeatmap,
  igMap,
  upsampleMap,
  normalizeMap,
  overlay,
  renderPanel,
  sideBySide,
  type HeatmapOptions,
  type RenderedHeatmap,
  type IgMapMode,
  type PanelOptions,
} from './attribution/heatmap.js';
export { colormap, COLORMAP_NAMES, type ColormapName } from './attribution/colormap.js';

// Optimisers (used by optimizeBaseline; usable on any parameters).
export { Sgd, RmsProp, Adam, createOptimizer, type Optimizer, type OptimizerName, type OptimizerOptions } from './optim/optimizers.js';

// io (browser-safe): .npy arrays, the RgbImage type, resizing and cropping. Files and PNG/JPEG:
// `stieltjes/node`.
export {
  encodeNpy,
  decodeNpy,
  npyToFloat32,
  createRgbImage,
  cropImage,
  resizeImage,
  type NpyArray,
  type NpyData,
  type NpyDescr,
  type RgbImage,
  type ResizeOptions,
} from './io/index.js';

export { VERSION } from './version.js';
