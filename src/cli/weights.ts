/**
 * stieltjes weights vgg19 [--notop]: downloads Keras's VGG19 ImageNet weights into the Keras
 * cache folder, with a progress bar, into a temporary name, checks the md5, renames.
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

/** Keras's published files (keras/applications/vgg19.py). */
const FILES = {
  top: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels.h5', md5: 'cbe5617147190e668d6c5d5026f83318' },
  notop: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '253f8cb515780f3b799900260a226db6' },
};
const BASE_URL = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/';

const usage = `Usage: stieltjes weights vgg19 [--notop] [--dir DIR]

Downloads Keras's VGG19 ImageNet weights (549 MB with the top, 80 MB without) into the Keras
cache folder ($KERAS_HOME/models, else ~/.keras/models; or --dir), checks the md5 and only then
gives the file its final name. If this machine is offline, download the file elsewhere from
${BASE_URL}${FILES.top.name}
and copy it into that folder.`;

export const weightsCommand: Command = {
  name: 'weights',
  summary: 'download the VGG19 ImageNet weights into the Keras cache',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags('weights', argv, { notop: { type: 'boolean' }, dir: { type: 'string' }, quiet: { type: 'boolean' } });
    if (positionals.length !== 1 || positionals[0] !== 'vgg19') throw new CliError(`weights: the only model offered is vgg19 (stieltjes weights vgg19)`, 2);
    const file = values.notop ? FILES.notop : FILES.top;
    const dir = typeof values.dir === 'string' ? values.dir : kerasCacheDir();
    const dest = join(dir, file.name);
    const url = process.env.STIELTJES_WEIGHTS_URL ?? BASE_URL + file.name;
    const md5 = process.env.STIELTJES_WEIGHTS_MD5 ?? file.md5;
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
      const hash = createHash('md5');
      const out = createWriteStream(tmp);
      let done = 0;
      let lastShown = -1;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
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
      const got = hash.digest('hex');
      if (got !== md5) throw new CliError(`weights: md5 of the download is ${got}, expected ${md5}; the file was discarded`);
      await rename(tmp, dest);
      process.stderr.write(`saved ${dest}\n`);
      return 0;
    } finally {
      await rm(tmp, { force: true });
      unregister();
    }
  },
};
