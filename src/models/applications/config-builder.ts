/**
 * A functional model built call by call, as Keras records it: every family's architecture is
 * written through this, so that layer order, names, configs and weight shapes follow one rule.
 */
import type { ApplicationArchitecture, ApplicationFamily, ApplicationWeight, KerasConfigEntry } from './types.js';

/** A functional model built call by call, as Keras records it (layer order = creation order). */
export class ConfigBuilder {
  readonly entries: KerasConfigEntry[] = [];
  readonly weights: { layer: string; weights: ApplicationWeight[] }[] = [];
  private readonly shapes = new Map<string, number[]>();
  private readonly counters = new Map<string, number>();

  constructor(
    inputName: string,
    shape: number[],
    readonly width: (layer: string, full: number) => number,
  ) {
    this.entries.push({
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false, ragged: false, name: inputName },
      name: inputName,
      inbound_nodes: [],
    });
    this.shapes.set(inputName, shape);
  }

  shape(name: string): number[] {
    return this.shapes.get(name)!;
  }

  add(cls: string, name: string, config: Record<string, unknown>, inputs: string[], outShape: number[], weights: ApplicationWeight[] = []): string {
    if (this.shapes.has(name)) throw new Error(`two layers named ${name}`);
    this.entries.push({ class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: [inputs.map((i) => [i, 0, 0, {}])] });
    this.weights.push({ layer: name, weights });
    this.shapes.set(name, outShape);
    return name;
  }

  conv(name: string, x: string, fullFilters: number, k: number, opts: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; kw?: number } = {}): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const filters = this.width(name, fullFilters);
    const s = opts.strides ?? 1;
    const padding = opts.padding ?? 'valid';
    const useBias = opts.useBias ?? true;
    const kw = opts.kw ?? k;
    const out: [number, number] = [outSize(h, h, k, s, padding)[0], outSize(w, w, kw, s, padding)[0]];
    const weights: ApplicationWeight[] = [{ name: 'kernel:0', shape: [k, kw, c, filters] }];
    if (useBias) weights.push({ name: 'bias:0', shape: [filters] });
    const config = { filters, kernel_size: [k, kw], strides: [s, s], padding, data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: useBias };
    return this.add('Conv2D', name, config, [x], [out[0], out[1], filters], weights);
  }

  depthwise(name: string, x: string, k: number, strides: number, padding: 'same' | 'valid'): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const out = outSize(h, w, k, strides, padding);
    const config = { kernel_size: [k, k], strides: [strides, strides], padding, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, depth_multiplier: 1 };
    return this.add('DepthwiseConv2D', name, config, [x], [out[0], out[1], c], [{ name: 'depthwise_kernel:0', shape: [k, k, c, 1] }]);
  }

  bn(name: string, x: string, epsilon: number, momentum: number, scale = true): string {
    const c = this.shape(x).at(-1)!;
    const weights = [...(scale ? ['gamma:0'] : []), 'beta:0', 'moving_mean:0', 'moving_variance:0'].map((n) => ({ name: n, shape: [c] }));
    return this.add('BatchNormalization', name, { axis: [3], momentum, epsilon, center: true, scale }, [x], this.shape(x), weights);
  }

  act(name: string, x: string, activation: string): string {
    return this.add('Activation', name, { activation }, [x], this.shape(x));
  }

  relu6(name: string, x: string): string {
    return this.add('ReLU', name, { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [x], this.shape(x));
  }

  pad(name: string, x: string, p: [[number, number], [number, number]]): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    return this.add('ZeroPadding2D', name, { padding: p, data_format: 'channels_last' }, [x], [h + p[0][0] + p[0][1], w + p[1][0] + p[1][1], c]);
  }

  addMerge(name: string, a: string, b: string): string {
    return this.add('Add', name, {}, [a, b], this.shape(a));
  }

  separable(name: string, x: string, fullFilters: number, k: number): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const filters = this.width(name, fullFilters);
    const config = {
      filters,
      kernel_size: [k, k],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      depth_multiplier: 1,
      activation: 'linear',
      use_bias: false,
    };
    return this.add('SeparableConv2D', name, config, [x], [h, w, filters], [
      { name: 'depthwise_kernel:0', shape: [k, k, c, 1] },
      { name: 'pointwise_kernel:0', shape: [1, 1, c, filters] },
    ]);
  }

  concat(name: string, xs: string[]): string {
    const shapes = xs.map((x) => this.shape(x));
    const c = shapes.reduce((a, s) => a + s.at(-1)!, 0);
    return this.add('Concatenate', name, { axis: 3 }, xs, [...shapes[0]!.slice(0, -1), c]);
  }

  pool(cls: 'MaxPooling2D' | 'AveragePooling2D', name: string, x: string, k: number, s: number, padding: 'same' | 'valid' = 'valid'): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const o = outSize(h, w, k, s, padding);
    return this.add(cls, name, { pool_size: [k, k], padding, strides: [s, s], data_format: 'channels_last' }, [x], [o[0], o[1], c]);
  }

  /** Keras's automatic name for the next unnamed layer of a class: base, base_1, base_2, … */
  auto(base: string): string {
    const k = this.counters.get(base) ?? 0;
    this.counters.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  }

  /**
   * A tf.keras 2 TFOpLambda (a TensorFlow call on a Keras tensor, `x + 3.0`, recorded as a layer):
   * its node is the reference itself with the other argument in its kwargs, as Keras 2 writes it.
   */
  tfOp(fn: string, x: string, y: number): string {
    const name = this.auto(`tf.${fn}`);
    if (this.shapes.has(name)) throw new Error(`two layers named ${name}`);
    this.entries.push({ class_name: 'TFOpLambda', config: { name, trainable: true, dtype: 'float32', function: fn }, name, inbound_nodes: [[x, 0, 0, { y, name: null }]] });
    this.weights.push({ layer: name, weights: [] });
    this.shapes.set(name, this.shape(x));
    return name;
  }

  /**
   * A Sequential used as one layer (ConvNeXt's stem and downsampling blocks), as Keras 2 writes it:
   * its own InputLayer (`<first layer>_input`, the shape it was called on) and layers as
   * {class_name, config}; its weights in one group, named `<inner layer>/<weight>`, in layer order.
   */
  sequential(name: string, x: string, inner: { cls: string; name: string; config: Record<string, unknown>; weights: ApplicationWeight[] }[], outShape: number[]): string {
    if (this.shapes.has(name)) throw new Error(`two layers named ${name}`);
    const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, ...this.shape(x)], dtype: 'float32', sparse: false, ragged: false, name: `${inner[0]!.name}_input` } };
    const layers = [input, ...inner.map((l) => ({ class_name: l.cls, config: { name: l.name, trainable: true, dtype: 'float32', ...l.config } }))];
    this.entries.push({ class_name: 'Sequential', config: { name, layers }, name, inbound_nodes: [[[x, 0, 0, {}]]] });
    this.weights.push({ layer: name, weights: inner.flatMap((l) => l.weights.map((w) => ({ name: `${l.name}/${w.name}`, shape: w.shape }))) });
    this.shapes.set(name, outShape);
    return name;
  }

  /** A TFOpLambda of two tensors (`a + b` on Keras tensors: ConvNeXt's residual), y in the kwargs as a reference. */
  tfOp2(fn: string, x: string, y: string): string {
    const name = this.auto(`tf.${fn}`);
    if (this.shapes.has(name)) throw new Error(`two layers named ${name}`);
    this.entries.push({ class_name: 'TFOpLambda', config: { name, trainable: true, dtype: 'float32', function: fn }, name, inbound_nodes: [[x, 0, 0, { y: [y, 0, 0], name: null }]] });
    this.weights.push({ layer: name, weights: [] });
    this.shapes.set(name, this.shape(x));
    return name;
  }

  /** imagenet_utils.correct_pad: the padding before a stride-2 'valid' convolution of a k×k kernel. */
  correctPad(x: string, k: number): [[number, number], [number, number]] {
    const [h, w] = this.shape(x) as [number, number];
    const c = Math.floor(k / 2);
    return [[c - (1 - (h % 2)), c], [c - (1 - (w % 2)), c]];
  }

  /** A Dense layer on a vector. */
  dense(name: string, x: string, units: number, activation: string): string {
    const c = this.shape(x).at(-1)!;
    return this.add('Dense', name, { units, activation, use_bias: true }, [x], [units], [
      { name: 'kernel:0', shape: [c, units] },
      { name: 'bias:0', shape: [units] },
    ]);
  }

  /** include_top: global average pooling, then the softmax classifier. */
  top(x: string, poolName: string, classes: number): string {
    const c = this.shape(x).at(-1)!;
    const gap = this.add('GlobalAveragePooling2D', poolName, { data_format: 'channels_last', keepdims: false }, [x], [c]);
    return this.add('Dense', 'predictions', { units: classes, activation: 'softmax', use_bias: true }, [gap], [classes], [
      { name: 'kernel:0', shape: [c, classes] },
      { name: 'bias:0', shape: [classes] },
    ]);
  }

  finish(family: ApplicationFamily, name: string, output: string, camLayer: string): ApplicationArchitecture {
    const input = this.entries[0]!.name;
    return {
      family,
      config: { class_name: 'Functional', config: { name, layers: this.entries, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] } },
      weights: this.weights,
      camLayer,
    };
  }
}

export function outSize(h: number, w: number, k: number, s: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'same') return [Math.ceil(h / s), Math.ceil(w / s)];
  const o = [Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1] as [number, number];
  if (o[0] < 1 || o[1] < 1) throw new Error(`the input is too small for this architecture (a ${k}×${k} window over ${h}×${w})`);
  return o;
}

