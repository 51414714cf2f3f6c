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
import { GCS, WEIGHTS_MODELS } from './weights-files.js';

const NAMES = Object.keys(WEIGHTS_MODELS);

const usage = `Usage: stieltjes weights NAME [--notop] [--dir DIR]

Downloads Keras's ImageNet weights for NAME (${NAMES.join(', ')}) from Keras's release
location (${GCS}…) into the Keras cache folder ($KERAS_HOME/models, else ~/.keras/models; or
--dir) under the name Keras caches it by, checks the checksum Keras publishes (md5 or sha256) and
only then gives the file its final name. MobileNet's and MobileNetV2's files have no published
checksum: they are saved with their md5 and sha256 printed, marked unverified. If this machine is offline, download
the file elsewhere (the command prints its URL) and copy it into that folder.
Environment: STIELTJES_WEIGHTS_BASE_URL replaces Keras's base URL (a mirror).`;

function hashAlgorithm(hash: string): 'md5' | 'sha256' {
  if (/^[0-9a-f]{32}$/i.test(hash)) return 'md5';
  if (/^[0-9a-f]{64}$/i.test(hash)) return 'sha256';
  throw new CliError(`weights: '${hash}' is neither an md5 (32 hex digits) nor a sha256 (64)`);
}

export const weightsCommand: Command = {
  name: 'weights',
  summary: 'download keras.applications ImageNet weights (VGGs, ResNets, MobileNets, DenseNet121/169/201, Xception, InceptionV3, InceptionResNetV2, EfficientNetB0–B7, EfficientNetV2s, ConvNeXts) into the Keras cache',
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
