/**
 * What the host spends per kernel launch, ours against TensorFlow.js's WebGPU backend:
 *
 *   npx tsx bench/host-overhead.ts [--filter SUBSTRING] [--launches N]
 *
 * Both run on Dawn's Null backend, which validates and records every command but executes
 * none, so the time per launch is JavaScript, Dawn's validation and submission, nothing of the
 * GPU. At batch 1 a real GPU finishes a VGG19 convolution in 0.1–0.3 ms (docs/benchmarks.md);
 * a host that takes longer than that to launch it would leave the GPU waiting, and a kernel
 * benchmark would measure the host. Each case launches its kernel N times (default 300) without
 * waiting, three times over, and prints the best µs per launch of each side.
 */
import { pathToFileURL } from 'node:url';
import { createInstrumentedWebGpuBackend } from '../src/kernels/webgpu/instrumented-backend.js';
import { sizeOf } from '../src/tensor/shape.js';
import { benchCases, MATMUL_SHAPES, VGG19_CONVS } from './cases.js';
import { createTfjsWebGpu, tfConvCase, tfMatmulCase, type TfCase } from './tfjs-webgpu.js';

async function main(argv: readonly string[]): Promise<void> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const filter = get('--filter') ?? '';
  const launches = Number(get('--launches') ?? 300);
  if (!(Number.isInteger(launches) && launches >= 1)) throw new Error('host-overhead: --launches must be a positive integer');
  const ours = await createInstrumentedWebGpuBackend({ nullDevice: true, kernelProfile: 'gpu' });
  const { tf } = await createTfjsWebGpu('null');
  const tfCases = new Map<string, TfCase>();
  for (const m of MATMUL_SHAPES.slice(0, 1)) tfCases.set(tfMatmulCase(m).key, tfMatmulCase(m));
  for (const [size, cin, cout] of VGG19_CONVS) {
    for (const pass of ['conv2d', 'conv2dBackpropInput'] as const) {
      const c = tfConvCase(pass, 1, size, cin, cout);
      tfCases.set(c.key, c);
    }
  }
  console.log(`Dawn Null backend (no GPU work); batch 1; best of 3 × ${launches} launches, µs per launch`);
  console.log(`${'op'.padEnd(22)} ${'shape'.padEnd(36)} ${'ours'.padStart(8)} ${'tfjs'.padStart(8)}`);
  const best = async (run: () => Promise<number>): Promise<number> => Math.min(await run(), await run(), await run());
  for (const c of benchCases({ batch: 1, quick: true, dtype: 'float32' })) {
    const key = `${c.op} ${c.shape}`;
    const t = tfCases.get(key);
    if (!t || !key.includes(filter)) continue;
    const p = c.prepare(ours);
    const oursUs = await best(async () => {
      let out = p.launch();
      const start = performance.now();
      for (let i = 0; i < launches; i++) {
        ours.free(out.storage, out.dtype, sizeOf(out.shape));
        out = p.launch();
      }
      const us = ((performance.now() - start) / launches) * 1000;
      await ours.read(out);
      ours.free(out.storage, out.dtype, sizeOf(out.shape));
      return us;
    });
    p.dispose();
    const tp = t.prepare(tf);
    const tfUs = await best(async () => {
      let y = tp.launch();
      const start = performance.now();
      for (let i = 0; i < launches; i++) {
        y.dispose();
        y = tp.launch();
      }
      const us = ((performance.now() - start) / launches) * 1000;
      await y.data();
      y.dispose();
      return us;
    });
    tp.dispose();
    console.log(`${c.op.padEnd(22)} ${c.shape.padEnd(36)} ${oursUs.toFixed(1).padStart(8)} ${tfUs.toFixed(1).padStart(8)}`);
  }
  ours.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
