/**
 * Runs the real `stieltjes` command and captures what it prints. The command is the CLI's source
 * bundled by esbuild once per test worker (about 0.3 s), run by plain Node: through tsx each run
 * cost about 0.6 s more CPU to load the TypeScript. Even so each run costs about 0.3 s of CPU
 * (Node's start and the bundle's load): only runs that check the process itself start one, the
 * rest use runCliHere below. The bundle lives under node_modules/.cache, so that it finds the npm
 * packages (kept external, as in the published CLI) and the bundled assets the way the package
 * does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..', '..');

let bundle: string | null = null;

/** The CLI bundled from the current sources (built on first use in this worker). */
export function cliBundle(): string {
  if (bundle) return bundle;
  const dir = join(ROOT, 'node_modules', '.cache', 'stieltjes-cli-test');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `main-${process.pid}.tmp.mjs`);
  buildSync({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: tmp,
    logLevel: 'silent',
  });
  // Renamed into place whole: another worker may be starting the command meanwhile, and it reads
  // either its own build or this one, which are the same sources.
  bundle = join(dir, 'main.mjs');
  renameSync(tmp, bundle);
  return bundle;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, [cliBundle(), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop (for tests that serve files to the command). */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The command run inside this test process (run.ts's runCliToExitCode, what main.ts calls), with
 * stdout and stderr captured and `env` set for the call: for the many runs that only check a flag
 * or an input and fail before any work, where starting Node and loading the bundle (~0.3 s of CPU)
 * would be most of the cost. Runs that check the process itself (signals, native output, memory)
 * use runCli. Calls must not overlap (the streams are patched while one runs).
 */
export async function runCliHere(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { runCliToExitCode } = await import('../../src/cli/run.js');
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const captured = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array) => {
      captured[stream] += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      return true;
    }) as typeof process.stdout.write;
  Object.assign(process.env, env);
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await runCliToExitCode(args);
    return { code, ...captured };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
