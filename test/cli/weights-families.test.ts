/**
 * stieltjes weights NAME for the keras.applications families: Keras's cache names and release
 * paths, the published checksum checked (a bad one discards the file), a file without a published
 * checksum saved and said to be unverified; all against a local HTTP server standing in for
 * Keras's release location (STIELTJES_WEIGHTS_BASE_URL). The command runs in this process
 * (runCliHere); weights.test.ts downloads through a process of its own.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';

const body = Buffer.from('stand-in bytes for a keras.applications weight file');
const requested: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/mirror/`;
});
afterAll(() => server.close());

describe('stieltjes weights NAME', () => {
  it('resnet50: fetches the Keras file name from the base URL, refuses a download whose md5 is not the published one, leaves nothing behind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', 'resnet50', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_BASE_URL: base });
    expect(r.code).toBe(1);
    expect(requested.at(-1)).toBe('/mirror/resnet50_weights_tf_dim_ordering_tf_kernels.h5');
    expect(r.stderr).toMatch(/md5 of the download is [0-9a-f]{32}, expected 2cb95161c43110f7111970584f804107; the file was discarded/);
    expect(readdirSync(join(home, 'models'))).toEqual([]);
  });

  it('resnet101v2 --notop with a matching sha256: saved under the Keras cache name, said verified', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const sha = createHash('sha256').update(body).digest('hex');
    const r = await runCliHere(['weights', 'ResNet101V2', '--notop'], { KERAS_HOME: home, STIELTJES_WEIGHTS_BASE_URL: base, STIELTJES_WEIGHTS_HASH: sha });
    expect(r.code).toBe(0);
    expect(requested.at(-1)).toBe('/mirror/resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(readdirSync(join(home, 'models'))).toEqual(['resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5']);
    expect(readFileSync(join(home, 'models', 'resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5'))).toEqual(body);
    expect(r.stderr).toMatch(/saved .*resnet101v2_weights_tf_dim_ordering_tf_kernels_notop\.h5 \(sha256 verified\)/);
  });

  it('mobilenetv2: Keras publishes no checksum; saved, and the output says it is unverified with its hashes', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', 'mobilenetv2', '--notop', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_BASE_URL: base });
    expect(r.code).toBe(0);
    expect(readdirSync(join(home, 'models'))).toEqual(['mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5']);
    const md5 = createHash('md5').update(body).digest('hex');
    expect(r.stderr).toContain(`Keras publishes no checksum for mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5; saved unverified (md5 ${md5}, sha256 `);
  });

  it('an unknown name is a usage error listing the names', async () => {
    const r = await runCliHere(['weights', 'alexnet'], {});
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/one of vgg19, resnet50, resnet101, resnet152, resnet50v2, resnet101v2, resnet152v2, mobilenetv2, vgg16, mobilenet, mobilenetv3small, .*efficientnetb7, convnexttiny, .*convnextxlarge, efficientnetv2b0, .*efficientnetv2l; got 'alexnet'/);
  });

  it.each([
    ['vgg16', [], 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', '64373286793e3c8b2b4e3219cbf3544b'],
    ['EfficientNetB3', ['--notop'], 'efficientnetb3_notop.h5', 'af6d107764bb5b1abb91932881670226'],
    ['MobileNetV3Small', ['--notop'], 'weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5', 'd3e8ec802a04aa4fc771ee12a9a9b836'],
    ['inception_resnet_v2', [], 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5', 'e693bd0210a403b3192acc6073ad2e96'],
    ['ConvNeXtTiny', ['--notop'], 'convnext_tiny_notop.h5', 'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1'],
    ['EfficientNetV2B0', [], 'efficientnetv2-b0.h5', '21ecbf6da12460d5c40bb2f29ceb2188'],
    ['DenseNet169', [], 'densenet169_weights_tf_dim_ordering_tf_kernels.h5', 'd699b8f76981ab1b30698df4c175e90b'],
    ['densenet201', ['--notop'], 'densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5', 'c13680b51ded0fb44dff2d8f86ac8bb1'],
    ['EfficientNetV2L', ['--notop'], 'efficientnetv2-l_notop.h5', 'b0b66b5c863aef5b46e8608fe1711615'],
  ])('%s %j: Keras\'s cache name, its published checksum checked', async (name, flags, file, md5) => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', name, ...flags, '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_BASE_URL: base });
    expect(r.code).toBe(1);
    expect(requested.at(-1)).toBe(`/mirror/${file}`);
    expect(r.stderr).toContain(`expected ${md5}; the file was discarded`);
  });

  it('mobilenet: no published checksum (mobilenet.py passes none); saved under its cache name, said unverified', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', 'mobilenet', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_BASE_URL: base });
    expect(r.code).toBe(0);
    expect(readdirSync(join(home, 'models'))).toEqual(['mobilenet_1_0_224_tf.h5']);
    expect(r.stderr).toContain('Keras publishes no checksum for mobilenet_1_0_224_tf.h5');
  });
});

describe('the weights table', () => {
  it("every checksum is an md5 or a sha256; EfficientNet's files are in Keras's other bucket", async () => {
    const { WEIGHTS_MODELS } = await import('../../src/cli/weights-files.js');
    for (const m of Object.values(WEIGHTS_MODELS)) for (const f of [m.top, m.notop]) if (f.hash) expect(f.hash).toMatch(/^([0-9a-f]{32}|[0-9a-f]{64})$/);
    expect(WEIGHTS_MODELS.efficientnetb0!.base).toBe('https://storage.googleapis.com/keras-applications/');
    expect(WEIGHTS_MODELS.vgg16!.base).toBe('https://storage.googleapis.com/tensorflow/keras-applications/vgg16/');
  });

  it('every family docs/models.md marks built has a download: all three DenseNets, ResNets and ResNetV2s, EfficientNetV2 B0–B3/S/M/L', async () => {
    const { WEIGHTS_MODELS } = await import('../../src/cli/weights-files.js');
    for (const n of ['densenet121', 'densenet169', 'densenet201', 'resnet101', 'resnet152', 'resnet101v2', 'resnet152v2', 'efficientnetv2s', 'efficientnetv2m', 'efficientnetv2l']) expect(Object.keys(WEIGHTS_MODELS)).toContain(n);
    expect(WEIGHTS_MODELS.densenet201!.base).toBe('https://storage.googleapis.com/tensorflow/keras-applications/densenet/');
  });
});

describe('stieltjes inspect on a keras.applications weights-only file', () => {
  it('names the family, its pixel scaling and input size, and classify runs it with that scaling', async () => {
    const { resnet50 } = await import('../../scripts/keras-applications.js');
    const { writeKerasWeightsH5 } = await import('../../scripts/keras-weights-writer.js');
    const dir = mkdtempSync(join(tmpdir(), 'stj-inspect-'));
    // Every width divided by 32 (not the default 8): the layer names are what is recognised, and
    // classify at 224×224 costs a third as much.
    const file = join(dir, 'resnet50_w32_weights.h5');
    await writeKerasWeightsH5(file, resnet50({ widthDivisor: 32 }).layers);
    const r = await runCliHere(['inspect', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  family: keras.applications ResNet50 (recognised by its layer names): --preprocess auto → caffe, default input 224×224; its architecture is built from the weights when the file has none',
    );
    const j = JSON.parse((await runCliHere(['inspect', file, '--json'])).stdout);
    expect(j.family).toEqual({ name: 'ResNet50', preprocess: 'caffe', inputSize: 224, architectureBuilt: true });
    const c = await runCliHere(['classify', 'assets/digits/samples/digit-3-899.png', '--weights', file, '--backend', 'cpu', '--top', '2']);
    expect(c.code).toBe(0);
    expect(c.stderr).toContain('preprocess: caffe (auto: keras.applications ResNet50 family (recognised by its layer names) → caffe)');
    expect(c.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('a file without its top', () => {
  // VGG16's convolutions (13 layers): writing ResNet50's 174 layers without its top cost about
  // 0.5 s of CPU more, and the refusal is the same for every family.
  it('classify and explain refuse it in one line: its output is a feature map, not class scores', async () => {
    const { vgg16 } = await import('../../scripts/keras-applications.js');
    const { writeKerasWeightsH5 } = await import('../../scripts/keras-weights-writer.js');
    const dir = mkdtempSync(join(tmpdir(), 'stj-notop-'));
    const file = join(dir, 'vgg16_w8_notop.h5');
    const layers = vgg16().layers.filter((l) => l.name.startsWith('block'));
    expect(layers.map((l) => l.name)).not.toContain('predictions');
    await writeKerasWeightsH5(file, layers);
    const image = 'assets/digits/samples/digit-3-899.png';
    for (const args of [['classify', image], ['explain', image, '--method', 'gradcam', '--out', join(dir, 'out')]]) {
      const r = await runCliHere([...args, '--weights', file, '--backend', 'cpu', '--quiet']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `stieltjes: ${file}: model vgg16 outputs a [7, 7, 64] feature map, not class scores (a file without its top, like Keras's _notop files); stieltjes explains an output unit: use the file with the top`,
      ]);
    }
  });
});
