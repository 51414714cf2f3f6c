/**
 * The tiny functional ResNet (test/helpers/tiny-resnet.ts) on WebGPU: probabilities against the
 * plain-loop float64 reference, and Grad-CAM inside the residual block against the CPU's.
 */
import { beforeAll, expect, it } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { depthwiseConv2d } from '../../src/autograd/ops.js';
import { modelFromBytes } from '../../src/models/load-model.js';
import { Random } from '../../src/tensor/random.js';
import { fromArray } from '../../src/tensor/creation.js';
import { CIN, H, W, referenceForward, tinyResnetH5Bytes, tinyResnetInput, tinyResnetWeights } from '../helpers/tiny-resnet.js';
import { describeWebGpu } from '../helpers/webgpu.js';

const weights = tinyResnetWeights();
const xValues = tinyResnetInput();
const ref = referenceForward(weights, xValues);
let bytes: Uint8Array;

beforeAll(async () => {
  bytes = await tinyResnetH5Bytes(weights);
});

describeWebGpu('a functional model on WebGPU', (gpu) => {
  it('matches the float64 reference (1e-5) and the CPU’s Grad-CAM inside the residual block (1e-4)', async () => {
    const model = await modelFromBytes(bytes, { backend: gpu() });
    const x = fromArray(xValues, [1, H, W, CIN], { dtype: 'float32', backend: gpu() });
    const probs = await model.run(x).output.data();
    ref.probs.forEach((p, i) => expect(Math.abs(probs[i]! - p)).toBeLessThanOrEqual(1e-5 * Math.max(...ref.probs)));
    const cpuModel = await modelFromBytes(bytes);
    const cpuCam = await gradCam(cpuModel, fromArray(xValues, [1, H, W, CIN], { dtype: 'float32' }), { layers: ['conv2', 'relu2'], target: 0 });
    const gpuCam = await gradCam(model, x, { layers: ['conv2', 'relu2'], target: 0 });
    for (const [i, m] of gpuCam.maps.entries()) {
      const want = cpuCam.maps[i]!.map;
      const scale = Math.max(...want, 1e-12);
      m.map.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThanOrEqual(1e-4 * scale));
    }
    model.dispose();
    cpuModel.dispose();
  });

  it('depthwise convolution (stride 2, asymmetric same padding, multiplier 2) matches the CPU', async () => {
    const r = new Random(3);
    const xv = Float32Array.from({ length: 7 * 6 * 3 }, () => r.normal(0, 1));
    const kv = Float32Array.from({ length: 3 * 3 * 3 * 2 }, () => r.normal(0, 1));
    const run = async (backend?: ReturnType<typeof gpu>) => {
      const x = fromArray(xv, [1, 7, 6, 3], { dtype: 'float32', backend });
      const k = fromArray(kv, [3, 3, 3, 2], { dtype: 'float32', backend });
      const y = depthwiseConv2d(x, k, { strides: [2, 2], padding: 'same' });
      return Array.from(await y.data());
    };
    const want = await run();
    const got = await run(gpu());
    expect(got.length).toBe(want.length);
    const scale = Math.max(...want.map(Math.abs));
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5 * scale));
  });
});
