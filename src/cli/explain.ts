/**
 * stieltjes explain IMAGE --method ig|gradcam|rsi-gradcam --out DIR: flags → explain() → the
 * explanation writer (result.json, probabilities.npy, the raw maps as .npy, heatmaps as PNG).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { explain } from '../attribution/explain.js';
import { writeExplanation } from '../attribution/explanation-writer.js';
import { defaultCamLayer } from '../attribution/grad-cam.js';
import { QUADRATURE_RULES, type QuadratureRule } from '../attribution/quadrature.js';
import type { RsiRule } from '../attribution/rsi-grad-cam.js';
import type { ScoreKind } from '../attribution/score.js';
import { readImageFile } from '../io/image-file.js';
import { prepareImage } from '../models/input.js';
import { choiceFlag, intFlag, parseFlags, rangeText, stringFlag } from './args.js';
import { AUTOTUNE_CHOICES, AUTOTUNE_HELP, startAutotune } from './autotune-choice.js';
import { BACKEND_CHOICES, chooseBackend, threadsFlag } from './backend-choice.js';
import { readBaselineSpec, resolveBaseline, BASELINE_HELP } from './baseline-choice.js';
import { CliError } from './errors.js';
import { classLabel, PIXEL_SCALINGS, PREPROCESS_HELP, readCliModel, scalingLine } from './model-choice.js';
import { holdOutput } from './output-guard.js';
import { ProgressBar } from './progress-bar.js';
import type { Command } from './command.js';
import { VERSION } from '../version.js';

const METHODS = ['ig', 'gradcam', 'rsi-gradcam'] as const;
type Method = (typeof METHODS)[number];
/** The ranges --help states and the flags are checked against. */
const STEPS = [1, 100_000] as const;
const BATCH = [1, 4096] as const;

const usage = `Usage: stieltjes explain IMAGE --method ig|gradcam|rsi-gradcam --out DIR [options]

Options:
  --weights FILE          Keras weights (.h5, .keras); default: the Keras cache VGG19 file when
                          present, otherwise the bundled digit model
  --config FILE.json      model architecture (Keras to_json(), or to_yaml() as .yaml), for
                          weights-only files that are not VGG19
  --method M              ig | gradcam | rsi-gradcam (required)
  --layer L1,L2,...       layers for the CAM methods (default block5_conv4, or the model's last conv)
  --target N|top          class (softmax head) or output unit (sigmoid and linear heads) to
                          explain: an integer in [0, outputs − 1], or top (default: the largest
                          output)
  --score S               probability (default: the model's output; reported as a probability
                          for a softmax head, a score for sigmoid and linear heads) | logit (the
                          pre-activation value of a softmax or sigmoid head)
  --steps M               interpolation steps for ig and rsi-gradcam, an integer in
                          ${rangeText(...STEPS)} (default 50)
  --rule R                ig: right | left | middle | trapezoid | gauss-legendre;
                          rsi-gradcam: right | trapezoid (default right)
  --weighting W           rsi-gradcam: paper (default) | guided
  --baseline B            ${BASELINE_HELP}
  --ig-map abs|positive   how IG attributions become a heatmap (default abs)
  --colormap jet|hot      heatmap colours (default jet)
  --backend B             auto (default: a hardware GPU through WebGPU, else WebAssembly, else
                          TypeScript; software WebGPU adapters only when named) | cpu | wasm |
                          webgpu
  --threads N             WebAssembly threads, the calling one included (default: the
                          available cores)
  --batch N               interpolated inputs per batch, an integer in ${rangeText(...BATCH)}
                          (default: as many as memory allows)
  ${AUTOTUNE_HELP}
  ${PREPROCESS_HELP}
  --center-crop           crop the image to the model's aspect ratio before resizing
  --allow-non-finite      load weights and write results that are NaN or ±Inf instead of failing
                          (by default each is an error naming the layer, weight or output where
                          it first appears; the image and baseline must be finite either way)
  --quiet                 no progress output
  --out DIR               output folder (required; one run at a time: a second run on the same
                          folder fails while the first holds its lock file .DIR.lock)

Writes result.json (the explanation without its arrays: target, scores, completeness, every
parameter, backend, timings in ms, each map's shape and files), the model's whole output as
probabilities.npy (softmax head) or scores.npy (any other head), and for ig
attribution.npy (float32 [H, W, C], the model's input space and channel order), heatmap.png,
overlay.png, panel.png; for the CAM methods, per layer: cam-<layer>.npy (float32 [h, w], after
ReLU, before normalisation), heatmap-<layer>.png, overlay-<layer>.png, panel-<layer>.png.`;

export const explainCommand: Command = {
  name: 'explain',
  summary: 'explain a prediction with IG, Grad-CAM or RSI-Grad-CAM',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags('explain', argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      method: { type: 'string' },
      layer: { type: 'string' },
      target: { type: 'string' },
      score: { type: 'string' },
      steps: { type: 'string' },
      rule: { type: 'string' },
      weighting: { type: 'string' },
      baseline: { type: 'string' },
      'ig-map': { type: 'string' },
      colormap: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      preprocess: { type: 'string' },
      batch: { type: 'string' },
      autotune: { type: 'string' },
      'center-crop': { type: 'boolean' },
      'allow-non-finite': { type: 'boolean' },
      quiet: { type: 'boolean' },
      out: { type: 'string' },
    });
    const C = 'explain';
    if (positionals.length !== 1) throw new CliError(`explain: expected one IMAGE, got ${positionals.length} (see stieltjes explain --help)`, 2);
    if (values.method === undefined) throw new CliError(`explain: --method is required (${METHODS.join(', ')})`, 2);
    const method = choiceFlag<Method>(C, 'method', values.method, METHODS, 'ig');
    const out = stringFlag(values.out);
    if (!out) throw new CliError('explain: --out DIR is required', 2);
    const score = choiceFlag<ScoreKind>(C, 'score', values.score, ['probability', 'logit'], 'probability');
    const steps = intFlag(C, 'steps', values.steps, 50, STEPS);
    const rule = method === 'ig' ? choiceFlag<QuadratureRule>(C, 'rule', values.rule, QUADRATURE_RULES, 'right') : choiceFlag(C, 'rule', values.rule, ['right', 'trapezoid'] as const, 'right');
    if (rule === 'trapezoid' && steps < 2 && method === 'ig') throw new CliError('explain: --rule trapezoid needs --steps ≥ 2', 2);
    const weighting = choiceFlag(C, 'weighting', values.weighting, ['paper', 'guided'] as const, 'paper');
    const igMode = choiceFlag(C, 'ig-map', values['ig-map'], ['abs', 'positive'] as const, 'abs');
    const colormapName = choiceFlag(C, 'colormap', values.colormap, ['jet', 'hot'] as const, 'jet');
    const backendChoice = choiceFlag(C, 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const threads = threadsFlag(C, values.threads);
    const preprocess = choiceFlag('explain', 'preprocess', values.preprocess, PIXEL_SCALINGS, 'auto');
    const batch = values.batch === undefined ? undefined : intFlag(C, 'batch', values.batch, 1, BATCH);
    // Spelling now, the class count once the model is built.
    const targetRaw = stringFlag(values.target) ?? 'top';
    const targetIndex = targetRaw === 'top' ? undefined : intFlag(C, 'target', targetRaw, 0, [0]);
    const allowNonFinite = !!values['allow-non-finite'];
    const autotuneChoice = choiceFlag(C, 'autotune', values.autotune, AUTOTUNE_CHOICES, 'auto');
    const quiet = !!values.quiet;
    const bar = new ProgressBar(quiet);
    const say = (line: string): void => bar.message(line);

    const tStart = performance.now();
    const outDir = resolve(out);
    // Refused before any work, as it would be after it.
    if ((await stat(outDir).catch(() => null))?.isFile()) throw new CliError(`--out ${out}: exists and is not a directory`, 2);
    // Every input read and checked before a backend starts (a GPU's driver may print warnings).
    const image = await readImageFile(positionals[0]!);
    const modelFile = await readCliModel(stringFlag(values.weights), stringFlag(values.config), say, { allowNonFinite, preprocess });
    const baselineSpec = stringFlag(values.baseline) ?? 'black';
    const baselineSource = method === 'gradcam' ? undefined : await readBaselineSpec(baselineSpec);
    // --layer and --target against the model's structure (read without a backend).
    const structure = modelFile.structure;
    let layers: string[] = [];
    if (method !== 'ig') {
      const raw = stringFlag(values.layer);
      const dflt = structure.layerNames.includes('block5_conv4') ? 'block5_conv4' : defaultCamLayer(structure);
      layers = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [dflt];
      for (const l of layers) {
        if (!structure.layerNames.includes(l)) throw new CliError(`explain: --layer ${l}: model ${structure.name} has no such layer; valid layers: ${structure.layerNames.join(', ')}`, 2);
        if (structure.layerShape(l).length !== 3) throw new CliError(`explain: --layer ${l} has no spatial output; layers with one: ${structure.layerNames.filter((n: string) => structure.layerShape(n).length === 3).join(', ')}`, 2);
      }
    } else if (values.layer !== undefined) {
      throw new CliError('explain: --layer applies to gradcam and rsi-gradcam, not ig', 2);
    }
    const target = targetIndex === undefined ? undefined : intFlag(C, 'target', targetRaw, 0, [0, structure.numClasses - 1]);
    const lock = await holdOutput(outDir);
    try {
      const backend = await chooseBackend(backendChoice, say, threads);
      const model = modelFile.build(backend);
      say(scalingLine(modelFile.scaling));
      const loadMs = performance.now() - tStart;
      const prepared = prepareImage(model, image, { centerCrop: !!values['center-crop'] });
      const [H, W, Ch] = model.inputShape;
      // The command line's baselines are pixels (a .npy file, or the blur of the resized image's own pixels).
      const baseline = baselineSource === undefined ? undefined : await resolveBaseline(baselineSource, prepared.pixels, H, W, Ch);
      try {
        // Grad-CAM is one pass: nothing to gain from tuning it.
        const tuning = method === 'gradcam' ? null : await startAutotune(autotuneChoice, backend, say);
        const common = { target, score, allowNonFinite, onProgress: bar.update, autotune: tuning !== null, onAutotuned: tuning?.onAutotuned };
        const path = { baseline, baselineName: baselineSpec, steps, batchSize: batch };
        const e =
          method === 'ig'
            ? await explain(model, prepared.input, { method: 'integrated-gradients', ...common, ...path, rule: rule as QuadratureRule })
            : method === 'gradcam'
              ? await explain(model, prepared.input, { method: 'grad-cam', ...common, layers })
              : await explain(model, prepared.input, { method: 'rsi-grad-cam', ...common, ...path, layers, rule: rule as RsiRule, weighting });
        const autotune = tuning ? await tuning.finish() : undefined;
        const written = await writeExplanation({ ...e, timings: { load: loadMs, ...e.timings } }, outDir, {
          image: prepared.image,
          colormap: colormapName,
          allowNonFinite,
          igMap: method === 'ig' ? igMode : undefined,
          extra: { stieltjes: VERSION, image: positionals[0], weights: model.source, centerCrop: !!values['center-crop'], preprocess: { rule: modelFile.scaling.rule, reason: modelFile.scaling.reason }, ...(autotune ? { autotune } : {}) },
        }).catch((err: Error) => {
          throw new CliError(`--out ${out}: ${err.message}`);
        });
        // Never silenced by --quiet: each names the likely cause (usually the pixel scaling).
        for (const w of e.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
        const label = classLabel(model, e.target.index);
        const value = e.scores.probability === undefined ? `${e.scores.head} score = ${(e.scores.score ?? NaN).toPrecision(6)}` : `p = ${e.scores.probability.toFixed(4)}`;
        const what = e.scores.head === 'softmax' ? 'class' : 'output unit';
        say(`explained ${what} ${e.target.index} (${label.label}, ${value}) with ${method}; wrote ${written.files.length} files to ${written.dir}`);
        return 0;
      } finally {
        prepared.input.dispose();
      }
    } finally {
      await lock.release();
    }
  },
};
