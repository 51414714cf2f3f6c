/**
 * Issue 17 item 9: full-size ResNet50 and MobileNetV2 (224×224, 1000 classes, seeded weights:
 * timing does not depend on the values) on a backend (--backend, default cpu) in float32: one forward pass (median
 * of --repeat) and Integrated Gradients at m = --steps (right rule, black baseline, default
 * batch), one JSON line each. The PyTorch peer on the same cores: ../shared/tools/torch-peer-time.py.
 *
 *   npx tsx scripts/bench-families.ts [--models resnet50,mobilenetv2] [--steps 50] [--repeat 3]
 *                                     [--backend cpu|wasm|webgpu] [--threads N]
 */
import '../src/index.js';
import { parseArgs } from 'node:util';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { buildFromKerasConfig } from '../src/models/keras-config.js';
import { pixelsToInput } from '../src/models/input.js';
import { applyPixelScaling } from '../src/models/load-model.js';
import { fullSizeFamily } from './keras-applications.js';
import { selectBackend, type BackendChoice } from '../src/kernels/select-backend.js';
import { setBackend } from '../src/tensor/engine.js';
import { scope } from '../src/tensor/scope.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: 'resnet50,mobilenetv2' }, steps: { type: 'string', default: '50' }, repeat: { type: 'string', default: '3' }, backend: { type: 'string', default: 'cpu' }, threads: { type: 'string' } } });
const backend = await selectBackend(values.backend as BackendChoice, (line) => console.error(line), values.threads === undefined ? {} : { threads: Number(values.threads) });
setBackend(backend);
const steps = Number(values.steps);
const repeat = Number(values.repeat);

for (const key of values.models!.split(',') as ('resnet50' | 'mobilenetv2')[]) {
  const m = fullSizeFamily(key);
  const model = buildFromKerasConfig(m.config, m.layers.map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ ...w, name: `${l.name}/${w.name}` })) })));
  applyPixelScaling(model, 'auto');
  const [h, w, c] = model.inputShape;
  const pixels = Float32Array.from({ length: h * w * c }, (_, i) => (i * 7919) % 256);
  const x = pixelsToInput(model, pixels);
  const times: number[] = [];
  for (let r = 0; r < repeat + 1; r++) {
    const t = performance.now();
    // In a scope: run() keeps its intermediates otherwise (the backends' memory, not the GC's).
    const y = scope(() => model.run(x).output);
    await y.data();
    y.dispose();
    if (r > 0) times.push((performance.now() - t) / 1000); // the first run warms up
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ model: key, what: 'forward', backend: backend.name, seconds: times[0], median: times[Math.floor(times.length / 2)] }));
  const baseline = pixelsToInput(model, new Float32Array(pixels.length));
  const t = performance.now();
  const r = await integratedGradients(model, x, { baseline, steps, rule: 'right' });
  await r.attribution.data();
  console.log(JSON.stringify({ model: key, what: 'ig', backend: backend.name, steps, seconds: (performance.now() - t) / 1000 }));
}
