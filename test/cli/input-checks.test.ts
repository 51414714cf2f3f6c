/**
 * Issue 19 through the real command: bad flags, missing files and non-finite weights give one line
 * (before any backend starts), and a second run on one --out is refused while a dead run's
 * leftovers are cleaned up. The bundled digit model on the CPU keeps every run cheap.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKerasFile } from '../../src/models/load-model-file.js';
import { cliBundle, runCli, runCliHere, type CliRun } from '../helpers/cli.js';

const DIGITS = join(__dirname, '..', '..', 'assets', 'digits');
const weights = join(DIGITS, 'digits-cnn.h5');
const image = join(DIGITS, 'samples', 'digit-0-349.png');
/** A small weights-only file (no model config) that is not VGG19. */
const weightsOnly = join(__dirname, '..', 'fixtures', 'keras', 'hls4ml', 'KERAS_conv2d_model_weights.h5');
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
  // Inputs: in a process of its own, whose whole stderr shows that nothing (Dawn's native
  // warnings, say) came before the line.
  it.each([
    // The default backend (auto) would start Dawn, whose warnings go to stderr: inputs come first.
    [['classify', image, '--weights', join(work, 'none.h5')], `weights file ${join(work, 'none.h5')}: no such file`],
    [['explain', image, '--weights', weights, '--method', 'ig', '--out', out, '--baseline', join(work, 'none.npy')], `--baseline ${join(work, 'none.npy')}: cannot read .npy file`],
    [['classify', image, '--weights', ''], "--weights: expected a file, got ''"],
    [['bench', '--weights', join(work, 'none.h5')], `bench: --weights ${join(work, 'none.h5')}: no such file`],
    // What only the model can tell (its layers, its classes, whether its architecture is known) is
    // read from the file without a backend: with --backend webgpu, Dawn's warnings would come first.
    // (Where no adapter exists the order shows too: the backend's error would replace these.)
    [['explain', image, '--weights', weights, '--method', 'gradcam', '--layer', 'nope', '--out', out, '--backend', 'webgpu'], 'explain: --layer nope: model digits_cnn has no such layer; valid layers: block1_conv1, '],
    [['explain', image, '--weights', weights, '--method', 'ig', '--target', '10', '--out', out, '--backend', 'webgpu'], "explain: --target must be an integer in [0, 9], got '10'"],
    [['classify', image, '--weights', weightsOnly, '--backend', 'webgpu'], `${weightsOnly}: a weights-only file with 2 weighted layers that is not VGG19; give its architecture`],
  ])('%j', (args, message) => {
    expectOneLine(runCli(args), message);
  });
});

describe('non-finite weights', () => {
  it('classify --json fails naming the layer and weight; --allow-non-finite prints the raw output', () => {
    const bad = nanWeights();
    const r = runCli(['classify', image, '--weights', bad, '--json', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/nan\.h5: layer fc1, weight fc1\/bias:0: element 3 of 64 is NaN \(not finite\)/);
    expect(r.stdout).toBe('');
    const raw = runCli(['classify', image, '--weights', bad, '--json', '--backend', 'cpu', '--allow-non-finite', '--quiet']);
    expect(raw.code).toBe(0);
    expect(JSON.parse(raw.stdout).probabilities[0]).toBeNull();
  });
});

describe('one run per --out', () => {
  it("refuses an --out whose lock a live process holds, and cleans up a dead run's lock and partial folder", () => {
    const out = join(work, 'explained');
    const lock = join(work, '.explained.lock');
    writeFileSync(lock, `${process.pid}\n`);
    const busy = runCli(['explain', image, '--weights', weights, '--method', 'gradcam', '--out', out, '--backend', 'cpu', '--quiet']);
    expect(busy.code).toBe(1);
    expect(oneLine(busy.stderr)).toEqual([`stieltjes: ${out} is being written by another run (process ${process.pid}, lock file ${lock}); wait for it to finish, or delete the lock file if that process is not stieltjes`]);

    // What kill -9 leaves: its lock and its temporary folder (a process id that has exited).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(lock, `${dead}\n`);
    mkdirSync(join(work, `.explained.partial-${dead}-a1b2c3`));
    writeFileSync(join(work, `.explained.partial-${dead}-a1b2c3`, 'result.json'), '{');
    const ok = runCli(['explain', image, '--weights', weights, '--method', 'gradcam', '--out', out, '--backend', 'cpu', '--quiet']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(readdirSync(work).filter((f) => f.startsWith('.explained'))).toEqual([]);
    expect(readdirSync(out)).toContain('result.json');
  });
});

describe("baseline's report is an output too", () => {
  it('a live lock on baseline-report.json refuses the run; a dead run\'s lock and temporary report file are removed', () => {
    const dir = join(work, 'reports');
    mkdirSync(dir);
    const out = join(dir, 'b.npy');
    const reportLock = join(dir, '.baseline-report.json.lock');
    writeFileSync(reportLock, `${process.pid}\n`);
    const args = ['baseline', '--weights', weights, '--iterations', '1', '--out', out, '--backend', 'cpu', '--quiet'];
    const busy = runCli(args);
    expect(busy.code).toBe(1);
    expect(oneLine(busy.stderr)).toEqual([`stieltjes: ${join(dir, 'baseline-report.json')} is being written by another run (process ${process.pid}, lock file ${reportLock}); wait for it to finish, or delete the lock file if that process is not stieltjes`]);
    // The --out lock taken first was given back.
    expect(readdirSync(dir)).toEqual(['.baseline-report.json.lock']);

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(reportLock, `${dead}\n`);
    writeFileSync(join(dir, `.baseline-report.json.${dead}.a1b2c3d4.tmp`), '{');
    const ok = runCli(args);
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
