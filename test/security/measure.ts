/**
 * Runs one hostile input through a loader in a child process and measures it: outcome, message,
 * wall time and peak resident memory (VmHWM, polled from /proc; the child's own maxRSS at exit
 * elsewhere). A child, because a bomb's allocations would otherwise blur into the test worker's
 * memory and a hang would take the worker with it. The loaders are bundled by esbuild from the
 * given source tree, so the same harness measures an older checkout for before/after figures.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';

export type LoaderKind = 'keras-async' | 'keras-sync' | 'image' | 'hdf5';

export interface Measurement {
  readonly outcome: 'ok' | 'error' | 'timeout' | 'crash';
  readonly message: string;
  readonly ms: number;
  /** Peak resident memory of the child, MB. */
  readonly peakMb: number;
  /** Resident memory of the child once the loaders were imported, before the input was read. */
  readonly baseMb: number;
}

const ENTRY = `
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { decodeImage } from './src/io/image-codec.ts';
import { readKerasArchive, readKerasArchiveSync } from './src/models/keras/archive.ts';
import { readKerasWeights } from './src/models/keras/weights.ts';
const [kind, file] = process.argv.slice(2);
// VmHWM, not resourceUsage().maxRSS: Linux carries ru_maxrss across exec, so a child of a large
// test worker would report the worker's size as its own.
const mb = () => {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
};
const base = mb();
const report = (outcome, message) => process.stdout.write(JSON.stringify({ outcome, message, baseMb: base, peakMb: mb() }) + '\\n');
try {
  const bytes = new Uint8Array(readFileSync(file));
  if (kind === 'keras-async') await readKerasArchive(bytes, { name: file });
  else if (kind === 'keras-sync') readKerasArchiveSync(bytes, (d, n) => inflateRawSync(d, { maxOutputLength: Math.max(1, n) }), { name: file });
  else if (kind === 'image') decodeImage(bytes, file);
  else readKerasWeights(bytes, { name: file });
  report('ok', '');
} catch (e) {
  report('error', (e && e.message) || String(e));
}
`;

const bundles = new Map<string, string>();

/** The loaders of the source tree at `root`, bundled once per process. */
function bundle(root: string): string {
  let out = bundles.get(root);
  if (out) return out;
  const dir = join(root, 'node_modules', '.cache', 'stieltjes-security');
  mkdirSync(dir, { recursive: true });
  out = join(dir, `loaders-${process.pid}-${bundles.size}.mjs`);
  buildSync({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'security-entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  bundles.set(root, out);
  return out;
}

function vmHwmMb(pid: number): number | undefined {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the child has just exited
  }
}

/** What a measured child did: its exit, output, wall time and peak resident memory. */
export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly peakMb: number;
}

/** Runs `node ARGS` in `cwd`, polling its peak memory, killed after `timeoutMs`. */
export function runMeasured(args: readonly string[], cwd: string, timeoutMs: number): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => (peak = Math.max(peak, vmHwmMb(child.pid!) ?? 0)), 50);
    const timer = setTimeout(() => {
      timedOut = true;
      peak = Math.max(peak, vmHwmMb(child.pid!) ?? 0);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - started, peakMb: peak });
    });
  });
}

/** Where the generated inputs are written (ignored by git, beside the CLI's test bundle). */
export function scratchFile(root: string, fileName: string, bytes: Uint8Array): string {
  const file = join(root, 'node_modules', '.cache', 'stieltjes-security', fileName);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** Measures `kind` reading `bytes` (written to a scratch file) in a child under `timeoutMs`. */
export async function measure(root: string, kind: LoaderKind, bytes: Uint8Array, fileName: string, timeoutMs: number): Promise<Measurement> {
  const script = bundle(root);
  const file = scratchFile(root, fileName, bytes);
  const r = await runMeasured([script, kind, file], root, timeoutMs);
  if (r.timedOut) return { outcome: 'timeout', message: `killed after ${timeoutMs} ms`, ms: r.ms, peakMb: r.peakMb, baseMb: 0 };
  try {
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const m = JSON.parse(line) as Omit<Measurement, 'ms'>;
    // The child's own maxRSS covers a peak shorter than the polling interval.
    return { ...m, ms: r.ms, peakMb: Math.max(r.peakMb, m.peakMb) };
  } catch {
    return { outcome: 'crash', message: r.stderr.trim().split('\n').slice(0, 3).join(' | '), ms: r.ms, peakMb: r.peakMb, baseMb: 0 };
  }
}
