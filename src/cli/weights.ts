/**
 * stieltjes weights NAME [--notop]: downloads Keras's ImageNet weights for a keras.applications
 * model into the Keras cache folder, with a progress bar, into a temporary name, checks the
 * published checksum, renames.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOnSignal } from '../io/signal-cleanup.js';
import { parseFlags } from './args.js';
import { CliError } from './errors.js';
import { kerasCacheDir } from './model-choice.js';
import type { Command } from './command.js';

/**
 * Keras's published files, as keras.applications downloads them: the base URL, the cache name and
 * the checksum Keras passes to get_file (md5 when 32 hex digits, sha256 when 64), or none where
 * Keras publishes none (then the download is saved with its hashes printed, unverified, saying so).
 */
interface WeightsFile {
  name: string;
  hash?: string;
}
interface WeightsModel {
  base: string;
  top: WeightsFile;
  notop: WeightsFile;
}

const GCS = 'https://storage.googleapis.com/tensorflow/keras-applications/';
const resnet = (n: string, top: string, notop: string): WeightsModel => ({
  base: `${GCS}resnet/`,
  top: { name: `${n}_weights_tf_dim_ordering_tf_kernels.h5`, hash: top },
  notop: { name: `${n}_weights_tf_dim_ordering_tf_kernels_notop.h5`, hash: notop },
});

/** keras/applications/{vgg19,resnet,resnet_v2,mobilenet_v2}.py (WEIGHTS_HASHES and file_hash). */
export const WEIGHTS_MODELS: Readonly<Record<string, WeightsModel>> = {
  vgg19: {
    base: `${GCS}vgg19/`,
    top: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels.h5', hash: 'cbe5617147190e668d6c5d5026f83318' },
    notop: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: '253f8cb515780f3b799900260a226db6' },
  },
  resnet50: resnet('resnet50', '2cb95161c43110f7111970584f804107', '4d473c1dd8becc155b73f8504c6f6626'),
  resnet101: resnet('resnet101', 'f1aeb4b969a6efcfb50fad2f0c20cfc5', '88cf7a10940856eca736dc7b7e228a21'),
  resnet152: resnet('resnet152', '100835be76be38e30d865e96f2aaae62', 'ee4c566cf9a93f14d82f913c2dc6dd0c'),
  resnet50v2: resnet('resnet50v2', '3ef43a0b657b3be2300d5770ece849e0', 'fac2f116257151a9d068a22e544a4917'),
  resnet101v2: resnet('resnet101v2', '6343647c601c52e1368623803854d971', 'c0ed64b8031c3730f411d2eb4eea35b5'),
  resnet152v2: resnet('resnet152v2', 'a49b44d1979771252814e80f8ec446f9', 'ed17cf2e0169df9d443503ef94b23b33'),
  // mobilenet_v2.py calls get_file without a file_hash: Keras publishes no checksum for these.
  mobilenetv2: {
    base: `${GCS}mobilenet_v2/`,
    top: { name: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5' },
    notop: { name: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5' },
  },
};
const NAMES = Object.keys(WEIGHTS_MODELS);

const usage = `Usage: stieltjes weights NAME [--notop] [--dir DIR]

Downloads Keras's ImageNet weights for NAME (${NAMES.join(', ')}) from Keras's release
location (${GCS}…) into the Keras cache folder ($KERAS_HOME/models, else ~/.keras/models; or
--dir) under the name Keras caches it by, checks the checksum Keras publishes (md5 or sha256) and
only then gives the file its final name. MobileNetV2's files have no published checksum: they are
saved with their md5 and sha256 printed, marked unverified. If this machine is offline, download
the file elsewhere (the command prints its URL) and copy it into that folder.
Environment: STIELTJES_WEIGHTS_BASE_URL replaces Keras's base URL (a mirror).`;

function hashAlgorithm(hash: string): 'md5' | 'sha256' {
  if (/^[0-9a-f]{32}$/i.test(hash)) return 'md5';
  if (/^[0-9a-f]{64}$/i.test(hash)) return 'sha256';
  throw new CliError(`weights: '${hash}' is neither an md5 (32 hex digits) nor a sha256 (64)`);
}

export const weightsCommand: Command = {
  name: 'weights',
  summary: 'download keras.applications ImageNet weights (VGG19, ResNets, MobileNetV2) into the Keras cache',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags('weights', argv, { notop: { type: 'boolean' }, dir: { type: 'string' }, quiet: { type: 'boolean' } });
    const key = positionals[0]?.toLowerCase().replace(/[-_]/g, '');
    const model = key === undefined ? undefined : WEIGHTS_MODELS[key];
    if (positionals.length !== 1 || !model) {
      throw new CliError(`weights: expected one model name, one of ${NAMES.join(', ')}${positionals.length === 1 ? `; got '${positionals[0]}'` : ''} (stieltjes weights NAME [--notop])`, 2);
    }
    const file = values.notop ? model.notop : model.top;
    const dir = typeof values.dir === 'string' ? values.dir : kerasCacheDir();
    const dest = join(dir, file.name);
    const base = process.env.STIELTJES_WEIGHTS_BASE_URL ?? model.base;
    const url = process.env.STIELTJES_WEIGHTS_URL ?? `${base.endsWith('/') ? base : `${base}/`}${file.name}`;
    const expected = process.env.STIELTJES_WEIGHTS_HASH ?? process.env.STIELTJES_WEIGHTS_MD5 ?? file.hash;
    const algorithm = expected === undefined ? undefined : hashAlgorithm(expected);
    if (await stat(dest).catch(() => null)) {
      process.stderr.write(`${dest} already exists; delete it to download again\n`);
      return 0;
    }
    await mkdir(dir, { recursive: true });
    const tmp = `${dest}.download-${process.pid}`;
    // Ctrl-C during a 549 MB download should not leave most of it behind.
    const unregister = removeOnSignal(tmp);
    try {
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new CliError(`weights: cannot reach ${url} (${(e as Error).cause ?? (e as Error).message}). Offline? Download it elsewhere and put it at ${dest}`);
      }
      if (!res.ok || !res.body) throw new CliError(`weights: ${url} answered HTTP ${res.status}; put the file at ${dest} by hand`);
      const total = Number(res.headers.get('content-length') ?? 0);
      const md5 = createHash('md5');
      const sha256 = createHash('sha256');
      const out = createWriteStream(tmp);
      let done = 0;
      let lastShown = -1;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        md5.update(chunk);
        sha256.update(chunk);
        done += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        const pct = total ? Math.floor((done / total) * 100) : -1;
        if (!values.quiet && pct !== lastShown) {
          lastShown = pct;
          process.stderr.write(`\rdownloading ${file.name}: ${(done / 1e6).toFixed(1)} MB${total ? ` / ${(total / 1e6).toFixed(1)} MB (${pct}%)` : ''}   `);
        }
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (!values.quiet) process.stderr.write('\n');
      const got = { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
      if (expected === undefined || algorithm === undefined) {
        process.stderr.write(`weights: Keras publishes no checksum for ${file.name}; saved unverified (md5 ${got.md5}, sha256 ${got.sha256})\n`);
      } else if (got[algorithm] !== expected.toLowerCase()) {
        throw new CliError(`weights: ${algorithm} of the download is ${got[algorithm]}, expected ${expected}; the file was discarded`);
      }
      await rename(tmp, dest);
      process.stderr.write(`saved ${dest}${expected ? ` (${algorithm} verified)` : ''}\n`);
      return 0;
    } finally {
      await rm(tmp, { force: true });
      unregister();
    }
  },
};
