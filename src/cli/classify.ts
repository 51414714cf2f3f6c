/** stieltjes classify IMAGE: the model's top classes for one image. */
import { predict } from '../attribution/score.js';
import { readImageFile } from '../io/image-file.js';
import { prepareImage } from '../models/input.js';
import { checkFiniteResults } from '../attribution/finite.js';
import { intFlag, parseFlags, choiceFlag, rangeText, stringFlag } from './args.js';
import { BACKEND_CHOICES, chooseBackend, threadsFlag } from './backend-choice.js';
import { CliError } from './errors.js';
import { classLabel, PIXEL_SCALINGS, PREPROCESS_HELP, readCliModel, scalingLine } from './model-choice.js';
import type { Command } from './command.js';
import { outputSaturationWarning } from '../models/pixel-scaling.js';
import { outputHead, outputValueName } from '../models/layered-model.js';

/** The range --help states and --top is checked against. */
const TOP = [1, 1000] as const;

const usage = `Usage: stieltjes classify IMAGE [--weights FILE] [--config FILE.json] [--top 5] [--json]
                          [--backend auto|cpu|wasm|webgpu] [--threads N] [--preprocess P] [--center-crop]
                          [--allow-non-finite]

Prints the model's top classes for a PNG or JPEG image. Without --weights, the Keras cache file
vgg19_weights_tf_dim_ordering_tf_kernels.h5 (in $KERAS_HOME/models or ~/.keras/models) is used
when present, otherwise the bundled digit model.
  --top N             classes to print, an integer in ${rangeText(...TOP)} (default 5)
  --json              softmax head: {top: [{index, wnid, label, probability}], probabilities: [...],
                      head, backend, adapter}; sigmoid and linear heads: {top: [{index, label,
                      score}], scores: [...], head, …}

A softmax head's outputs print as probabilities, highest first. A sigmoid head (binary or
multi-label) prints each unit's score, highest first; a linear head (regression) prints its
outputs in index order: neither is one distribution over classes.
  ${PREPROCESS_HELP}
  --allow-non-finite  print NaN / ±Inf probabilities (JSON: null) instead of failing; by default a
                      weight or output that is not finite is an error naming the layer or weight`;

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'classify an image (top-k classes)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags('classify', argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      top: { type: 'string' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      preprocess: { type: 'string' },
      'center-crop': { type: 'boolean' },
      'allow-non-finite': { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliError(`classify: expected one IMAGE, got ${positionals.length} (see stieltjes classify --help)`, 2);
    const json = !!values.json;
    const say = (line: string): void => {
      if (!values.quiet) process.stderr.write(`${line}\n`);
    };
    const backendChoice = choiceFlag('classify', 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const preprocess = choiceFlag('classify', 'preprocess', values.preprocess, PIXEL_SCALINGS, 'auto');
    const threads = threadsFlag('classify', values.threads);
    const top = intFlag('classify', 'top', values.top, 5, TOP);
    const allowNonFinite = !!values['allow-non-finite'];
    // Every input read and checked before a backend starts (a GPU's driver may print warnings).
    const image = await readImageFile(positionals[0]!);
    const modelFile = await readCliModel(stringFlag(values.weights), stringFlag(values.config), say, { allowNonFinite, preprocess });
    const backend = await chooseBackend(backendChoice, say, threads);
    const model = modelFile.build(backend);
    say(scalingLine(modelFile.scaling));
    const { input } = prepareImage(model, image, { centerCrop: !!values['center-crop'] });
    let probs: Float32Array;
    try {
      probs = await predict(model, input);
      // JSON has no NaN (it would print null with exit 0): an error naming the first bad layer instead.
      if (!allowNonFinite) await checkFiniteResults('classify', [{ what: 'the model output', values: probs }], { model, input });
    } finally {
      input.dispose();
    }
    // Never silenced by --quiet: a saturated output usually means the wrong pixel scaling.
    const head = outputHead(model);
    const valueName = outputValueName(model);
    const warning = head === 'softmax' ? outputSaturationWarning(probs) : undefined;
    if (warning) process.stderr.write(`warning: ${warning}\n`);
    // Regression outputs keep their order: "top" means nothing for them.
    const indices = Array.from(probs.keys());
    const order = (head === 'linear' || head === 'other' ? indices : indices.sort((a, b) => probs[b]! - probs[a]!)).slice(0, Math.min(top, probs.length));
    const rows = order.map((index) => ({ index, ...classLabel(model, index), [valueName]: probs[index]! }));
    if (json) {
      const info = backend.info();
      const all = valueName === 'probability' ? { probabilities: Array.from(probs) } : { scores: Array.from(probs) };
      process.stdout.write(`${JSON.stringify({ top: rows, ...all, head, backend: info.name, adapter: info.adapter, model: model.name }, null, 1)}\n`);
    } else {
      if (head !== 'softmax') say(`${head} head: ${head === 'sigmoid' ? 'each unit is a score of its own (not one distribution)' : 'raw outputs (regression), in index order'}`);
      const fmt = (v: number): string => (head === 'softmax' || head === 'sigmoid' ? v.toFixed(6) : v.toPrecision(7));
      for (const r of rows) process.stdout.write(`${fmt(probs[r.index]!)}  ${String(r.index).padStart(4)}  ${r.wnid ? `${r.wnid}  ` : ''}${r.label}\n`);
    }
    return 0;
  },
};
