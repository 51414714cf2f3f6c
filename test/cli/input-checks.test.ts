/**
 * Issue 19 through the real command: bad flags, missing files and non-finite weights give one line
 * (before any backend starts), and a second run on one --out is refused while a dead run's
 * leftovers are cleaned up. The bundled digit model on the CPU keeps every run cheap, and only
 * what depends on the command being a process of its own (its whole stderr, ending by a signal)
 * starts one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKerasFile } from '../../src/models/load-model-file.js';
import { cliBundle, runCli, runCliHere, type CliRun } from '../helpers/cli.js';
import { image, inputCases, weights } from './input-cases.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-input-checks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { weights: parsed } = await readKerasFile(weights);

/** The digit model with element 3 of fc1's bias set to NaN (found by content: its weights are stored uncompressed). */
function nanWeights(): string {
  const bytes = readFileSync(weights);
  const data = parsed.layers.find((l) => l.name === 'fc1')!.weights[1]!.data;
  const at = bytes.indexOf(Buffer.from(data.buffer, data.byteOffset, 16));
  expect(at).toBeGreaterThan(0);
  bytes.writeFloatLE(NaN, at + 12);
  const path = join(work, 'nan.h5');
  writeFileSync(path, bytes);
  return path;
}

const oneLine = (stderr: string): string[] => stderr.trim().split('\n');

const INPUT_CASES = inputCases(work);
/** One that needs the model file read before --backend webgpu may start Dawn. */
const SPAWNED_INPUT_CASES = [INPUT_CASES[5]!];

describe('flags and inputs are checked before any work, in one line', () => {
  const out = join(work, 'never');
  const expectOneLine = (r: CliRun, message: string): void => {
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`stieltjes: ${message}`);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  };
  // Flag values: the command's own parsing, run in this process (runCliHere).
  it.each([
    [['explain', image, '--method', 'ig', '--out', out, '--steps', '-1'], "explain: --steps must be an integer in [1, 100000], got '-1'"],
    [['explain', image, '--method', 'ig', '--out', out, '--steps', ''], "explain: --steps must be an integer in [1, 100000], got ''"],
    [['explain', image, '--method', 'ig', '--out', out, '--batch', '-2'], "explain: --batch must be an integer in [1, 4096], got '-2'"],
    [['explain', image, '--method', 'ig', '--out', out, '--target', '-1'], "explain: --target must be an integer in [0, ∞), got '-1'"],
    [['classify', image, '--top', '-1'], "classify: --top must be an integer in [1, 1000], got '-1'"],
    [['baseline', '--out', join(out, 'b.npy'), '--iterations', '0'], "baseline: --iterations must be an integer in [1, 1000000], got '0'"],
    [['baseline', '--out', join(out, 'b.npy'), '--lr', '1e20'], "baseline: --lr must be a number in (0, 100], got '1e20'"],
    [['baseline', '--out', join(out, 'b.npy'), '--lambda', '-1'], "baseline: --lambda must be a number in [0, 1], got '-1'"],
    [['gradcheck', '--runs', '-1'], "gradcheck: --runs must be an integer in [1, 10000], got '-1'"],
    [['gradcheck', '--seed', '-1'], "gradcheck: --seed must be an integer in [0, 2147483647], got '-1'"],
  ])('%j', async (args, message) => {
    expectOneLine(await runCliHere(args), message);
  });
  // Inputs. In this process a backend started before the check would show in stderr too (the
  // command says which backend runs unless it is the CPU), but Dawn's native warnings bypass
  // process.stderr: one case (--backend webgpu, whose error only the model file can tell) runs as
  // a process of its own, whose whole stderr shows that nothing came before the line.
  // test/cli/input-checks.slow.test.ts runs every case as a process of its own.
  it.each(SPAWNED_INPUT_CASES)('%j', (args, message) => {
    expectOneLine(runCli(args), message);
  });
  it.each(INPUT_CASES.filter((c) => !SPAWNED_INPUT_CASES.includes(c)))('%j (in this process)', async (args, message) => {
    expectOneLine(await runCliHere(args), message);
  });
});

// These run in this process (runCliHere): a lock names a process and a dead run's leftovers are
// cleaned up by the command's code, not by anything about its own process. The live lock names
// this worker's parent (alive, and not the process that runs the command: a lock holding the
// command's own pid is a dead run's, reused).
const dead = (): number => spawnSync(process.execPath, ['--version']).pid;

describe('non-finite weights', () => {
  it('classify --json fails naming the layer and weight; --allow-non-finite prints the raw output', async () => {
    const bad = nanWeights();
    const r = await runCliHere(['classify', image, '--weights', bad, '--json', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/nan\.h5: layer fc1, weight fc1\/bias:0: element 3 of 64 is NaN \(not finite\)/);
    expect(r.stdout).toBe('');
    const raw = await runCliHere(['classify', image, '--weights', bad, '--json', '--backend', 'cpu', '--allow-non-finite', '--quiet']);
    expect(raw.code).toBe(0);
    expect(JSON.parse(raw.stdout).probabilities[0]).toBeNull();
  });
});

describe('one run per --out', () => {
  it("refuses an --out whose lock a live process holds, and cleans up a dead run's lock and partial folder", async () => {
    const out = join(work, 'explained');
    const lock = join(work, '.explained.lock');
    const live = process.ppid;
    writeFileSync(lock, `${live}\n`);
    const busy = await runCliHere(['explain', image, '--weights', weights, '--method', 'gradcam', '--out', out, '--backend', 'cpu', '--quiet']);
    expect(busy.code).toBe(1);
    expect(oneLine(busy.stderr)).toEqual([`stieltjes: ${out} is being written by another run (process ${live}, lock file ${lock}); wait for it to finish, or delete the lock file if that process is not stieltjes`]);

    // What kill -9 leaves: its lock and its temporary folder (a process id that has exited).
    const gone = dead();
    writeFileSync(lock, `${gone}\n`);
    mkdirSync(join(work, `.explained.partial-${gone}-a1b2c3`));
    writeFileSync(join(work, `.explained.partial-${gone}-a1b2c3`, 'result.json'), '{');
    const ok = await runCliHere(['explain', image, '--weights', weights, '--method', 'gradcam', '--out', out, '--backend', 'cpu', '--quiet']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(readdirSync(work).filter((f) => f.startsWith('.explained'))).toEqual([]);
    expect(readdirSync(out)).toContain('result.json');
  });
});

describe("baseline's report is an output too", () => {
  it('a live lock on baseline-report.json refuses the run; a dead run\'s lock and temporary report file are removed', async () => {
    const dir = join(work, 'reports');
    mkdirSync(dir);
    const out = join(dir, 'b.npy');
    const reportLock = join(dir, '.baseline-report.json.lock');
    const live = process.ppid;
    writeFileSync(reportLock, `${live}\n`);
    const args = ['baseline', '--weights', weights, '--iterations', '1', '--out', out, '--backend', 'cpu', '--quiet'];
    const busy = await runCliHere(args);
    expect(busy.code).toBe(1);
    expect(oneLine(busy.stderr)).toEqual([`stieltjes: ${join(dir, 'baseline-report.json')} is being written by another run (process ${live}, lock file ${reportLock}); wait for it to finish, or delete the lock file if that process is not stieltjes`]);
    // The --out lock taken first was given back.
    expect(readdirSync(dir)).toEqual(['.baseline-report.json.lock']);

    const gone = dead();
    writeFileSync(reportLock, `${gone}\n`);
    writeFileSync(join(dir, `.baseline-report.json.${gone}.a1b2c3d4.tmp`), '{');
    const ok = await runCliHere(args);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['b.npy', 'baseline-report.json']);
  });
});

describe('interrupted runs', () => {
  it('SIGINT during explain removes its lock and leaves no output, and the process ends by the signal', async () => {
    const out = join(work, 'interrupted');
    const child = spawn(process.execPath, [cliBundle(), 'explain', image, '--weights', weights, '--method', 'ig', '--steps', '100000', '--batch', '1', '--out', out, '--backend', 'cpu'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    // The first progress line: the lock is held and the method is running.
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/integrated-gradients: /.test(stderr)) resolve();
      }),
    );
    expect(existsSync(join(work, '.interrupted.lock'))).toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGINT');
    expect(await ended).toBe('SIGINT');
    expect(readdirSync(work).filter((f) => f.includes('interrupted'))).toEqual([]);
  });
});
