/** stieltjes inspect FILE [--json]: what a Keras weight file holds. */
import { readKerasFile } from '../models/load-model-file.js';
import { modelSummaryLines, summarizeModelConfig, type ModelSummary } from '../models/model-summary.js';
import { recogniseFamily } from '../models/applications/index.js';
import { parseFlags } from './args.js';
import { CliError } from './errors.js';
import type { Command } from './command.js';

const usage = `Usage: stieltjes inspect FILE [--json]

Lists a Keras weight file (.h5 of Keras 1, 1-Theano, 2, 2-full-model or 3, or a .keras archive):
its generation and layout, the layers in model order with each weight's name, shape and dtype,
and the parameter count; with a model config, the model too: sequential or graph (each layer's
class and inputs), and one line per layer stieltjes cannot run, saying why.`;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the layers and weights of a Keras .h5 / .keras file',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags('inspect', argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new CliError(`inspect: expected one FILE, got ${positionals.length}`, 2);
    const path = positionals[0]!;
    let weights;
    try {
      ({ weights } = await readKerasFile(path));
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const layers = weights.layers.map((l) => ({
      name: l.name,
      ...(l.className ? { className: l.className } : {}),
      weights: l.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })),
      parameters: l.weights.reduce((n, w) => n + w.data.length, 0),
    }));
    const parameters = layers.reduce((n, l) => n + l.parameters, 0);
    let model: ModelSummary | { error: string } | undefined;
    if (weights.modelConfig !== undefined) {
      try {
        model = summarizeModelConfig(weights.modelConfig);
      } catch (e) {
        model = { error: (e as Error).message };
      }
    }
    const recognised = recogniseFamily(weights.layers.map((l) => l.name));
    const family = recognised
      ? { name: recognised.family, preprocess: recognised.rule, inputSize: recognised.inputSize, architectureBuilt: recognised.buildable }
      : undefined;
    const summary = {
      file: path,
      generation: weights.generation,
      ...(weights.backend ? { backend: weights.backend } : {}),
      ...(weights.kerasVersion ? { kerasVersion: weights.kerasVersion } : {}),
      hasModelConfig: weights.modelConfig !== undefined,
      layers,
      parameters,
      ...(model ? { model } : {}),
      ...(family ? { family } : {}),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
      return 0;
    }
    const lines = [
      `${path}`,
      `  layout: ${weights.generation}${weights.kerasVersion ? ` (Keras ${weights.kerasVersion}` + (weights.backend ? `, ${weights.backend})` : ')') : weights.backend ? ` (${weights.backend})` : ''}${summary.hasModelConfig ? ', with model config' : ''}`,
      `  layers: ${layers.length} (${layers.filter((l) => l.weights.length).length} with weights)`,
      '',
    ];
    const nameW = Math.max(5, ...layers.map((l) => l.name.length));
    for (const l of layers) {
      if (l.weights.length === 0) {
        lines.push(`  ${l.name.padEnd(nameW)}  —`);
        continue;
      }
      l.weights.forEach((w, i) => {
        lines.push(`  ${(i === 0 ? l.name : '').padEnd(nameW)}  ${w.name.padEnd(28)} ${JSON.stringify(w.shape).padEnd(22)} ${w.dtype}`);
      });
    }
    lines.push('', `  parameters: ${parameters.toLocaleString('en-US')}`);
    if (model) lines.push('', ...('error' in model ? [`  model: ${model.error}`] : modelSummaryLines(model)));
    if (family) {
      const built = family.architectureBuilt ? '; its architecture is built from the weights when the file has none' : '';
      lines.push('', `  family: keras.applications ${family.name} (recognised by its layer names): --preprocess auto → ${family.preprocess}, default input ${family.inputSize}×${family.inputSize}${built}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
