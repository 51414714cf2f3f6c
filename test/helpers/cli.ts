/**
 * Runs the real `stieltjes` command and captures what it prints. The command is the CLI's source
 * bundled by esbuild once per test worker (about 0.3 s), run by plain Node: through tsx each run
 * cost about 0.6 s more CPU to load the TypeScript, and the suites start the command dozens of
 * times. The bundle lives under node_modules/.cache, so that it finds the npm packages (kept
 * external, as in the published CLI) and the bundled assets the way the package does.
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
