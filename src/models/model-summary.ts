/**
 * What a Keras model config describes, without its weights: sequential or graph, each layer's
 * class and inputs, and the layers stieltjes cannot run (one line each, with the reason), for
 * `stieltjes inspect`.
 */
import { configLayers, parseModelConfig } from './keras-config.js';
import { isFunctionalConfig, kerasWiring, layerEntryName } from './keras-functional.js';
import { kerasLayerProblem } from './keras-layer.js';
import { isKerasOperation, kerasOperationProblem } from './keras-operations.js';
import { hasNestedModels, inlineNestedModels } from './keras-nested.js';

export interface LayerSummary {
  name: string;
  className: string;
  /** The layers it reads (graph models only). */
  inputs?: string[];
  /** Why stieltjes cannot run it, when it cannot. */
  unsupported?: string;
}

export interface ModelSummary {
  kind: 'sequential' | 'graph';
  input?: string;
  output?: string;
  layers: LayerSummary[];
}

export function summarizeModelConfig(rawConfig: unknown): ModelSummary {
  const parsed = parseModelConfig(rawConfig);
  // Nested models show as the layers they are inlined to.
  const config = hasNestedModels(parsed) ? inlineNestedModels(parsed, []).config : parsed;
  const entries = configLayers(config);
  const graph = isFunctionalConfig(config);
  const wiring = graph ? kerasWiring(config) : undefined;
  const layers = entries.map((e, i): LayerSummary => {
    const name = graph ? layerEntryName(e as { name?: unknown; config?: { name?: unknown } }, i) : String(e.config.name ?? `layer ${i}`);
    const problem = isKerasOperation(e) ? kerasOperationProblem(e) : kerasLayerProblem(e.class_name, e.config);
    return {
      name,
      className: e.class_name,
      ...(wiring ? { inputs: wiring.inputs.get(name) ?? [] } : {}),
      ...(problem ? { unsupported: problem } : {}),
    };
  });
  return { kind: graph ? 'graph' : 'sequential', ...(wiring ? { input: wiring.inputLayer, output: wiring.outputLayer } : {}), layers };
}

/** The summary as text lines (indented by two), as `inspect` prints it. */
export function modelSummaryLines(s: ModelSummary): string[] {
  const head =
    s.kind === 'graph'
      ? `  model: graph, ${s.layers.length} layers, input ${s.input}, output ${s.output}`
      : `  model: sequential, ${s.layers.length} layers`;
  const lines = [head];
  if (s.kind === 'graph') {
    const nameW = Math.max(5, ...s.layers.map((l) => l.name.length));
    const clsW = Math.max(5, ...s.layers.map((l) => l.className.length));
    for (const l of s.layers) lines.push(`    ${l.name.padEnd(nameW)}  ${l.className.padEnd(clsW)}  ${l.inputs?.length ? `← ${l.inputs.join(', ')}` : ''}`.trimEnd());
  }
  for (const l of s.layers) if (l.unsupported) lines.push(`  unsupported: layer ${l.name} (${l.className}): ${l.unsupported}`);
  return lines;
}
