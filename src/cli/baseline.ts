/**
 * stieltjes baseline --out baseline.npy: optimises a baseline whose output is the uniform
 * distribution (paper eq. 8) and writes it in pixel space with its before/after report.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { optimizeBaseline, type OutputLoss } from '../attribution/optimize-baseline.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeNpy } from '../io/npy.js';
import type { OptimizerName } from '../optim/optimizers.js';
import { choiceFlag, intFlag, numberFlag, parseFlags, rangeText, stringFlag } from './args.js';
import { AUTOTUNE_CHOICES, startAutotune } from './autotune-choice.js';
import { BACKEND_CHOICES, chooseBackend, threadsFlag } from './backend-choice.js';
import { readBaselineSpec, resolveBaseline } from './baseline-choice.js';
import { CliError } from './errors.js';
import { classLabel, PIXEL_SCALINGS, PREPROCESS_HELP, readCliModel, scalingLine } from './model-choice.js';
import { saturationWarning } from '../models/pixel-scaling.js';
import { holdOutput } from './output-guard.js';
import { ProgressBar } from './progress-bar.js';
import type { Command } from './command.js';

/** The ranges --help states and the flags are checked against. */
const LAMBDA = { min: 0, max: 1 };
const LR = { min: 0, max: 100, minExclusive: true };
const ITERATIONS = [1, 1_000_000] as const;

const usage = `Usage: stieltjes baseline --out baseline.npy [options]

Finds a baseline near the starting image whose output is the uniform distribution
(Lerma & Lucas 2022, eq. 8) and writes it as float32 [H, W, C] (RGB, 0–255 scale; values may
leave that range), plus baseline-report.json beside it (before/after: min and max probability,
max |o_b − o_t|, pixel range, L_0). Use it with: stieltjes explain --baseline baseline.npy

Options:
  --weights FILE      Keras weights (default: Keras cache VGG19, else the bundled digit model)
  --config FILE.json  model architecture (Keras to_json(), or to_yaml() as .yaml) for weights-only
                      files that are not VGG19
  --loss L            max (default) | mse | crossentropy
  --lambda λ          weight of the output loss, a number in ${rangeText(LAMBDA.min, LAMBDA.max)} (default 0.9)
  --optimizer O       rmsprop (default) | adam | sgd
  --lr R              learning rate in pixel units, a number in ${rangeText(LR.min, LR.max, true)} (default 0.1)
  --iterations N      optimiser steps, an integer in ${rangeText(...ITERATIONS)} (default 200)
  --init I            black (default) | FILE.npy (pixel space)
  --backend auto|cpu|wasm|webgpu
  --threads N         WebAssembly threads (default: the available cores)
  ${PREPROCESS_HELP}
  --autotune auto|on|off  time kernel variants on the first iteration and keep the fastest
                      (WebGPU; cached per adapter as for explain; default auto: on for a
                      GPU, off for software adapters)
  --allow-non-finite  write a baseline with NaN or ±Inf (a learning rate that diverged) instead
                      of failing; by default that, or a weight that is not finite, is an error
  --quiet
  --out FILE.npy      (required; one run at a time: a second run on the same file, or on the
                      same folder's baseline-report.json, fails while the first holds its lock
                      files .FILE.npy.lock and .baseline-report.json.lock)`;

export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'optimise an attribution baseline (paper eq. 8)',
  usage,
  async run(argv) {
    const C = 'baseline';
    const { values, positionals } = parseFlags(C, argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      loss: { type: 'string' },
      lambda: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      iterations: { type: 'string' },
      init: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      preprocess: { type: 'string' },
      autotune: { type: 'string' },
      'allow-non-finite': { type: 'boolean' },
      quiet: { type: 'boolean' },
      out: { type: 'string' },
    });
    if (positionals.length) throw new CliError(`baseline: unexpected argument '${positionals[0]}' (see stieltjes baseline --help)`, 2);
    const out = stringFlag(values.out);
    if (!out) throw new CliError('baseline: --out FILE.npy is required', 2);
    if (!out.endsWith('.npy')) throw new CliError(`baseline: --out ${out} must end in .npy`, 2);
    const loss = choiceFlag<OutputLoss>(C, 'loss', values.loss, ['max', 'mse', 'crossentropy'], 'max');
    const lambda = numberFlag(C, 'lambda', values.lambda, 0.9, LAMBDA);
    const optimizer = choiceFlag<OptimizerName>(C, 'optimizer', values.optimizer, ['rmsprop', 'adam', 'sgd'], 'rmsprop');
    const learningRate = numberFlag(C, 'lr', values.lr, 0.1, LR);
    const iterations = intFlag(C, 'iterations', values.iterations, 200, ITERATIONS);
    const initSpec = stringFlag(values.init) ?? 'black';
    const autotuneChoice = choiceFlag(C, 'autotune', values.autotune, AUTOTUNE_CHOICES, 'auto');
    const backendChoice = choiceFlag(C, 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const threads = threadsFlag(C, values.threads);
    const preprocess = choiceFlag('baseline', 'preprocess', values.preprocess, PIXEL_SCALINGS, 'auto');
    const allowNonFinite = !!values['allow-non-finite'];
    const bar = new ProgressBar(!!values.quiet);
    // Every input read and checked before a backend starts (a GPU's driver may print warnings).
    const initSource = await readBaselineSpec(initSpec, '--init', ['black']);
    const modelFile = await readCliModel(stringFlag(values.weights), stringFlag(values.config), (l: string) => bar.message(l), { allowNonFinite, preprocess });
    // The report beside --out is an output too: locked like it (two runs writing one folder would
    // mix their reports), and what a killed run left of it removed.
    const reportPath = join(dirname(out), 'baseline-report.json');
    const lock = await holdOutput(out);
    const reportLock = await holdOutput(reportPath).catch(async (e: unknown) => {
      await lock.release();
      throw e;
    });
    try {
      const backend = await chooseBackend(backendChoice, (l) => bar.message(l), threads);
      const model = modelFile.build(backend);
      bar.message(scalingLine(modelFile.scaling));
      const [H, W, Ch] = model.inputShape;
      const init = await resolveBaseline(initSource, new Float32Array(H * W * Ch), H, W, Ch, '--init');
      const tuning = await startAutotune(autotuneChoice, backend, (l) => bar.message(l));
      const r = await optimizeBaseline(model, {
        init, loss, lambda, optimizer, learningRate, iterations, allowNonFinite, onProgress: bar.update,
        autotune: tuning !== null,
        onAutotuned: tuning?.onAutotuned,
      });
      const autotuned = await tuning?.finish();
      // A saturated output where the optimisation starts (or ends) usually means a pixel scaling
      // the model was not trained with: said on stderr (never silenced) and in the report.
      const warnings = [
        ...[saturationWarning(r.before.maxProbability)].filter((w) => w).map((w) => `at the starting point, ${w}`),
        ...[saturationWarning(r.after.maxProbability)].filter((w) => w).map((w) => `after ${r.settings.iterations} iterations, ${w}`),
      ];
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      const name = (s: typeof r.before) => ({ ...s, top: s.top.map((t) => ({ ...t, ...classLabel(model, t.index) })) });
      const report = {
        model: model.name,
        weights: model.source,
        init: initSpec,
        settings: r.settings,
        targetDistribution: 'uniform',
        before: name(r.before),
        after: name(r.after),
        backend: backend.info().name,
        adapter: backend.info().adapter,
        ...(autotuned ? { autotune: autotuned } : {}),
        warnings,
      };
      await mkdir(dirname(out), { recursive: true });
      await writeFileAtomic(out, encodeNpy(r.baseline.data, [H, W, Ch]));
      await writeFileAtomic(reportPath, new TextEncoder().encode(`${JSON.stringify(report, null, 1)}\n`));
      const fmt = (s: typeof r.before) =>
        `probabilities ${s.minProbability.toExponential(2)} … ${s.maxProbability.toExponential(2)}, max |o_b − o_t| ${s.maxDeviation.toExponential(3)}, pixels [${s.pixelMin.toFixed(2)}, ${s.pixelMax.toFixed(2)}], L0 ${s.l0.toExponential(3)}`;
      process.stdout.write(`before: ${fmt(r.before)}\nafter:  ${fmt(r.after)}\nwrote ${out} and ${reportPath}\n`);
      return 0;
    } finally {
      await reportLock.release();
      await lock.release();
    }
  },
};
