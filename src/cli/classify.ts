/** stieltjes classify IMAGE: the model's top classes for one image. */
import { predict } from '../attribution/score.js';
import { readImageFile } from '../io/image-file.js';
import { prepareImage } from '../models/input.js';
import { intFlag, parseFlags, choiceFlag, stringFlag } from './args.js';
import { BACKEND_CHOICES, chooseBackend } from './backend-choice.js';
import { CliError } from './errors.js';
import { classLabel, loadCliModel } from './model-choice.js';
import type { Command } from './command.js';

const usage = `Usage: stieltjes classify IMAGE [--weights FILE] [--config FILE.json] [--top 5] [--json]
                          [--backend auto|cpu|webgpu] [--center-crop]

Prints the model's top classes for a PNG or JPEG image. Without --weights, the Keras cache file
vgg19_weights_tf_dim_ordering_tf_kernels.h5 (in $KERAS_HOME/models or ~/.keras/models) is used
when present, otherwise the bundled digit model.
  --json   {top: [{index, wnid, label, probability}], probabilities: [...], backend, adapter}`;

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
      'center-crop': { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliError(`classify: expected one IMAGE, got ${positionals.length} (see stieltjes classify --help)`, 2);
    const json = !!values.json;
    const say = (line: string): void => {
      if (!values.quiet) process.stderr.write(`${line}\n`);
    };
    const backendChoice = choiceFlag('classify', 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const top = intFlag('classify', 'top', values.top, 5, 1, 1000);
    const image = await readImageFile(positionals[0]!);
    const backend = await chooseBackend(backendChoice, say);
    const model = await loadCliModel(stringFlag(values.weights), stringFlag(values.config), backend, say);
    const { input } = prepareImage(model, image, { centerCrop: !!values['center-crop'] });
    const probs = await predict(model, input);
    input.dispose();
    const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!).slice(0, Math.min(top, probs.length));
    const rows = order.map((index) => ({ index, ...classLabel(model, index), probability: probs[index]! }));
    if (json) {
      const info = backend.info();
      process.stdout.write(`${JSON.stringify({ top: rows, probabilities: Array.from(probs), backend: info.name, adapter: info.adapter, model: model.name }, null, 1)}\n`);
    } else {
      for (const r of rows) process.stdout.write(`${r.probability.toFixed(6)}  ${String(r.index).padStart(4)}  ${r.wnid ? `${r.wnid}  ` : ''}${r.label}\n`);
    }
    return 0;
  },
};
