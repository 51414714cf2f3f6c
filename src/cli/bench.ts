/**
 * stieltjes bench: the kernel benchmark suite (matmul; every VGG19 conv shape forward, input
 * gradient and filter gradient), a whole VGG19 forward and forward + input gradient, and with
 * --weights IG and RSI-Grad-CAM at m steps and one baseline iteration. Warm-up runs, medians,
 * a note when runs spread widely; --json for machines.
 */
import { existsSync } from 'node:fs';
import { benchEndToEnd, randomVgg19, type EndToEndResult } from '../bench/end-to-end.js';
import { benchCases } from '../bench/kernel-cases.js';
import { canProfile, formatProfile, profileModel, profileRows } from '../bench/model-profile.js';
import { isNoisy, timeKernel, type TimingOptions } from '../bench/timing.js';
import { choiceFlag, intFlag, parseFlags, rangeText, stringFlag } from './args.js';
import { BACKEND_CHOICES, chooseBackend, threadsFlag } from './backend-choice.js';
import { CliError } from './errors.js';
import { sizeOf } from '../tensor/shape.js';
import { loadModelFile } from '../models/load-model-file.js';
import type { Command } from './command.js';

/** The ranges --help states and the flags are checked against. */
const BATCH = [1, 64] as const;
const STEPS = [1, 10_000] as const;

const usage = `Usage: stieltjes bench [--backend auto|cpu|wasm|webgpu] [--threads N] [--filter TEXT] [--batch N] [--quick]
                       [--no-kernels] [--no-model] [--weights FILE] [--steps 50] [--profile] [--autotune] [--json]

Kernels: matmul 512³, 1024³, 2048³ and VGG19's dense layers at batch 1 (fc2, fc1, fc1's input
gradient); the nine distinct VGG19 convolutions (3×3, 'same'), forward (bias + ReLU fused),
input gradient and filter gradient; max pooling.
Model: a VGG19 forward and forward + input gradient at 224×224 (random weights, or --weights).
With --weights (or --steps on the random weights): Integrated Gradients and RSI-Grad-CAM
(block5_conv4) at --steps m (default 50) and one baseline-optimisation iteration.
--profile (WebGPU): where the model's forward and forward + input gradient spend their time,
kernel by kernel (each dispatch run again alone), against one warm run's wall time; on GPUs
with timestamp queries also the kernels' time in place, measured by the GPU.
--autotune (WebGPU): each kernel case, and the model's passes, first time the kernel variants
for their shapes and keep the fastest (as explain --autotune does); kernel rows name the choice.
Each kernel runs once to warm up, then until 5 runs and 1.5 s (--quick: 3 runs, 0.3 s), a
kernel under 10 ms launched repeatedly per run so that the read-back wait is paid once; the
median is reported, with a note when the runs spread by more than 25%. GFLOP/s count a
multiply-add as 2. --json prints only a JSON array of {op, shape, backend, ms, gflops, ...}.
--batch N is an integer in ${rangeText(...BATCH)} (default 1); --steps m an integer in ${rangeText(...STEPS)}.`;

/** One line of the table (kernel rows have the same fields as end-to-end rows). */
type Row = EndToEndResult;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark the kernels and a VGG19 pass on this machine',
  usage,
  async run(argv) {
    const C = 'bench';
    const { values, positionals } = parseFlags(C, argv, {
      backend: { type: 'string' },
      threads: { type: 'string' },
      filter: { type: 'string' },
      batch: { type: 'string' },
      quick: { type: 'boolean' },
      'no-kernels': { type: 'boolean' },
      'no-model': { type: 'boolean' },
      weights: { type: 'string' },
      config: { type: 'string' },
      steps: { type: 'string' },
      profile: { type: 'boolean' },
      autotune: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length) throw new CliError(`bench: unexpected argument '${positionals[0]}'`, 2);
    const json = !!values.json;
    const out = (line: string): void => {
      (json ? process.stderr : process.stdout).write(`${line}\n`);
    };
    if (values.profile && values['no-model']) throw new CliError('bench: --profile profiles the model; it cannot go with --no-model', 2);
    // Flags checked before a backend starts, and the weights file before minutes of kernel timing.
    for (const [flag, file] of [['weights', stringFlag(values.weights)], ['config', stringFlag(values.config)]] as const) {
      if (file !== undefined && !existsSync(file)) throw new CliError(`bench: --${flag} ${file}: no such file`, 2);
    }
    const backendChoice = choiceFlag(C, 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const threads = threadsFlag(C, values.threads);
    const batch = intFlag(C, 'batch', values.batch, 1, BATCH);
    const steps = intFlag(C, 'steps', values.steps, 50, STEPS);
    const backend = await chooseBackend(backendChoice, (l) => process.stderr.write(`${l}\n`), threads);
    const filter = stringFlag(values.filter) ?? '';
    if (values.profile && !canProfile(backend)) {
      throw new CliError(`bench: --profile times GPU kernels and needs the WebGPU backend, not '${backend.name}' (use --backend webgpu)`, 2);
    }
    const autotune = !!values.autotune;
    if (autotune && !backend.autotune) throw new CliError(`bench: --autotune tunes GPU kernels and needs the WebGPU backend, not '${backend.name}' (use --backend webgpu)`, 2);
    const info = backend.info();
    out(`backend ${info.name}, adapter ${info.adapter}${info.featureLevel ? `, feature level ${info.featureLevel}` : ''}${info.api ? `, ${info.api}` : ''}; float32, batch ${batch}`);
    out(`${'op'.padEnd(36)} ${'shape'.padEnd(36)} ${'ms'.padStart(10)} ${'GFLOP/s'.padStart(8)} ${'runs'.padStart(5)}`);
    const rows: Row[] = [];
    const print = (r: Row): void => {
      rows.push(r);
      const gf = Number.isFinite(r.gflops) ? r.gflops.toFixed(2) : '—';
      out(`${r.op.padEnd(36)} ${r.shape.padEnd(36)} ${r.ms.toFixed(1).padStart(10)} ${gf.padStart(8)} ${String(r.runs).padStart(5)}${r.note ? `  (${r.note})` : ''}`);
    };
    if (!values['no-kernels']) {
      const timing: TimingOptions = values.quick ? { budgetMs: 300, minRuns: 3, maxRuns: 20, singleRunMs: 1000 } : { budgetMs: 1500, minRuns: 5, maxRuns: 50, singleRunMs: 2000 };
      for (const c of benchCases({ batch, quick: !!values.quick, dtype: 'float32' })) {
        if (!`${c.op} ${c.shape}`.includes(filter)) continue;
        const prepared = c.prepare(backend);
        try {
          let chosen: string | undefined;
          if (autotune) {
            const r = await backend.autotune!(() => {
              const o = prepared.launch();
              backend.free(o.storage, o.dtype, sizeOf(o.shape));
            });
            chosen = r.problems[0]?.chosenName;
          }
          const t = await timeKernel(backend, prepared.launch, timing);
          print({
            op: c.op,
            shape: c.shape,
            backend: info.name,
            ms: t.ms,
            gflops: c.flops / t.ms / 1e6,
            runs: t.runs,
            note: [chosen && `tuned: ${chosen}`, isNoisy(t) && `spread ${t.minMs.toFixed(1)}–${t.maxMs.toFixed(1)} ms: noisy, rerun on an idle machine`].filter(Boolean).join('; ') || undefined,
          });
        } finally {
          prepared.dispose();
        }
      }
    }
    if (!values['no-model']) {
      const weights = stringFlag(values.weights);
      const model = weights
        ? await loadModelFile(weights, { backend, configPath: stringFlag(values.config) }).catch((e: Error) => {
            throw new CliError(e.message);
          })
        : randomVgg19(backend);
      // Attribution timings do not depend on the weights: random ones are timed when asked.
      const onAutotuneProgress = (done: number, total: number): void => {
        if (!json && process.stderr.isTTY) process.stderr.write(`\rautotuning the model's kernels: shape ${done}/${total}${done === total ? '\n' : ''}`);
      };
      const attributionSteps = weights || values.steps !== undefined ? steps : 0;
      await benchEndToEnd({ backend, model, steps: attributionSteps, batch: undefined, autotune, onAutotuneProgress, onResult: (r: EndToEndResult) => print(r) });
      if (values.profile && canProfile(backend)) {
        const progress = (pass: string, done: number, total: number): void => {
          if (!json && process.stderr.isTTY) process.stderr.write(`\rprofiling the ${pass}: kernel ${done}/${total}${done === total ? '\n' : ''}`);
        };
        for (const p of await profileModel(backend, model, progress)) {
          out('');
          for (const line of formatProfile(p)) out(line);
          rows.push(...profileRows(p, info.name));
        }
      }
      model.dispose();
    }
    if (json) process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    return 0;
  },
};
