/** stieltjes weights: download with md5 check into a temporary name, clear failure offline. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync, runCliHere } from '../helpers/cli.js';

const body = Buffer.from('not really 549 MB of VGG19 weights, but bytes all the same');
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}/vgg19.h5`;
});
afterAll(() => server.close());

// The refusals run in this process (runCliHere); the download that succeeds runs as a process of
// its own (runCliAsync, which leaves this process free to serve it), whose exit shows that nothing
// it opened (a kept-alive socket, a file handle) holds it open.
describe('stieltjes weights vgg19', () => {
  it('refuses a download whose md5 differs and leaves nothing behind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', 'vgg19', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/md5 of the download is [0-9a-f]{32}, expected cbe5617147190e668d6c5d5026f83318; the file was discarded/);
    expect(readdirSync(join(home, 'models'))).toEqual([]);
  });

  it('saves the file under its Keras name when the md5 matches', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const md5 = createHash('md5').update(body).digest('hex');
    const r = await runCliAsync(['weights', 'vgg19', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_URL: url, STIELTJES_WEIGHTS_MD5: md5 });
    expect(r.code).toBe(0);
    const dest = join(home, 'models', 'vgg19_weights_tf_dim_ordering_tf_kernels.h5');
    expect(readFileSync(dest)).toEqual(body);
    expect(readdirSync(join(home, 'models'))).toEqual(['vgg19_weights_tf_dim_ordering_tf_kernels.h5']);
  });

  it('offline: fails clearly and says where to put the file', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const r = await runCliHere(['weights', 'vgg19', '--quiet'], { KERAS_HOME: home, STIELTJES_WEIGHTS_URL: 'http://127.0.0.1:9/vgg19.h5' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/vgg19\.h5 .*Offline\? Download it elsewhere and put it at .*vgg19_weights_tf_dim_ordering_tf_kernels\.h5/);
    expect(existsSync(join(home, 'models', 'vgg19_weights_tf_dim_ordering_tf_kernels.h5'))).toBe(false);
  });
});
