/**
 * npm run app as a user runs it: it builds the page, prints one URL on 127.0.0.1, and serves the
 * page with the two headers that make it cross-origin isolated (WebAssembly threads need them),
 * the bundled model beside it, and nothing outside app/dist/.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run app', () => {
  it('prints its URL and serves the page, the digit model and the isolation headers', async () => {
    // PORT=0: any free port, so that a developer's own server on 8080 does not collide.
    const child = spawn('npm', ['run', '--silent', 'app'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /stieltjes page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) => reject(new Error(`npm run app exited (${code}) before printing its URL:\n${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const html = await page.text();
      expect(html).toContain('<button id="explain" type="button" disabled>Explain</button>');
      expect(html).toMatch(/never leave this machine/);
      const js = await fetch(new URL('app.js', url));
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await js.text()).length).toBeGreaterThan(10_000);
      const model = new Uint8Array(await (await fetch(new URL('models/digits-cnn.h5', url))).arrayBuffer());
      expect(Array.from(model.subarray(0, 4))).toEqual([0x89, 0x48, 0x44, 0x46]); // the HDF5 signature
      expect((await fetch(new URL('../package.json', url))).status).toBe(404);
      expect((await fetch(`${url}%2e%2e/package.json`)).status).toBeGreaterThanOrEqual(400);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }, 300_000);
});
