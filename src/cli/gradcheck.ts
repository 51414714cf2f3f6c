/**
 * stieltjes gradcheck: the gradient checks of stieltjes/testing for every built-in primitive on
 * the chosen backend, and with --weights for each layer of a model; a table, non-zero on failure.
 */
import { existsSync } from 'node:fs';
import { choiceFlag, intFlag, parseFlags, rangeText, stringFlag } from './args.js';
import { BACKEND_CHOICES, chooseBackend, threadsFlag } from './backend-choice.js';
import { CliError } from './errors.js';
import type { Command } from './command.js';
import type { GradcheckRow } from '../testing/gradcheck-suite.js';
import { cpuBackend } from '../kernels/cpu/cpu-backend.js';
import type { Backend } from '../kernels/backend.js';
import { loadModelFile } from '../models/load-model-file.js';

/** The ranges --help states and the flags are checked against (a seed is a 31-bit integer for fast-check). */
const SEED = [0, 2 ** 31 - 1] as const;
const RUNS = [1, 10_000] as const;

const usage = `Usage: stieltjes gradcheck [--backend auto|cpu|wasm|webgpu] [--threads N] [--seed N] [--runs N] [--filter OP]
                           [--weights FILE [--config FILE.json] [--layers L1,L2]] [--json]

Checks every built-in primitive's VJP against central finite differences in float64 (CPU) on
--runs generated cases each, and the float32 result on the chosen backend against float64. With
--weights, also checks each layer of that model: the gradient of a random projection of the
output with respect to the input and to every named activation. Prints op or layer, checks, the
worst error, its tolerance, their ratio and PASS/FAIL; exits 1 if anything fails.
  --seed N   an integer in ${rangeText(...SEED)} (default 0)
  --runs N   cases per primitive, an integer in ${rangeText(...RUNS)} (default 20)
Needs the fast-check package (npm install fast-check).`;

export const gradcheckCommand: Command = {
  name: 'gradcheck',
  summary: 'check gradients of every primitive (and of a model) against finite differences',
  usage,
  async run(argv) {
    const C = 'gradcheck';
    const { values, positionals } = parseFlags(C, argv, {
      backend: { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      filter: { type: 'string' },
      weights: { type: 'string' },
      config: { type: 'string' },
      layers: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length) throw new CliError(`gradcheck: unexpected argument '${positionals[0]}'`, 2);
    const seed = intFlag(C, 'seed', values.seed, 0, SEED);
    const runs = intFlag(C, 'runs', values.runs, 20, RUNS);
    const json = !!values.json;
    const weightsFlag = stringFlag(values.weights);
    // Checked before the backend starts and the primitives run, not minutes later.
    for (const [flag, file] of [['weights', weightsFlag], ['config', stringFlag(values.config)]] as const) {
      if (file !== undefined && !existsSync(file)) throw new CliError(`gradcheck: --${flag} ${file}: no such file`, 2);
    }
    const say = (l: string): void => {
      process.stderr.write(`${l}\n`);
    };
    let suite: typeof import('../testing/gradcheck-suite.js');
    try {
      suite = await import('../testing/gradcheck-suite.js');
    } catch (e) {
      throw new CliError(`gradcheck needs the fast-check package: npm install fast-check (${(e as Error).message})`);
    }
    const backend = await chooseBackend(choiceFlag(C, 'backend', values.backend, BACKEND_CHOICES, 'auto'), say, threadsFlag(C, values.threads));
    const header = `${'op or layer'.padEnd(28)} ${'checks'.padStart(6)}  ${'worst error'.padStart(11)}  ${'tolerance'.padStart(10)}  ${'ratio'.padStart(7)}  result`;
    if (!json) process.stdout.write(`backend ${backend.info().name} (${backend.info().adapter}), seed ${seed}, ${runs} cases per op\n${header}\n`);
    const print = (r: GradcheckRow): void => {
      if (json) return;
      process.stdout.write(
        `${r.name.padEnd(28)} ${String(r.checks).padStart(6)}  ${r.error.toExponential(2).padStart(11)}  ${r.tolerance.toExponential(2).padStart(10)}  ${r.ratio.toFixed(3).padStart(7)}  ${r.ok ? 'PASS' : `FAIL (${r.detail})`}\n`,
      );
    };
    const rows = await suite.checkPrimitives({ backend, seed, runs, filter: stringFlag(values.filter), onRow: print });
    const weights = stringFlag(values.weights);
    if (weights) {
      const load = (be: Backend, dtype: 'float32' | 'float64') =>
        loadModelFile(weights, { backend: be, dtype, configPath: stringFlag(values.config) }).catch((e: Error) => {
          throw new CliError(e.message);
        });
      const model64 = await load(cpuBackend(), 'float64');
      const model32 = await load(backend, 'float32');
      const layerFlag = stringFlag(values.layers);
      const layers = layerFlag?.split(',').map((s) => s.trim());
      for (const l of layers ?? []) {
        if (!model64.layerNames.includes(l)) throw new CliError(`gradcheck: --layers ${l}: no such layer; valid layers: ${model64.layerNames.join(', ')}`, 2);
      }
      rows.push(...(await suite.checkModelGradients(model64, { backendModel: model32, seed, layers, onRow: print })));
    }
    const failed = rows.filter((r) => !r.ok);
    if (json) process.stdout.write(`${JSON.stringify({ backend: backend.info(), seed, runs, rows }, null, 1)}\n`);
    else process.stdout.write(`${rows.length - failed.length} passed, ${failed.length} failed\n`);
    return failed.length ? 1 : 0;
  },
};
