/** The model summary `stieltjes inspect` prints from a model config: graph wiring and unsupported layers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inspectCommand } from '../../src/cli/inspect.js';
import { modelSummaryLines, summarizeModelConfig } from '../../src/models/model-summary.js';
import { keras2Config, keras3Config, tinyResnetWeights, writeTinyResnetH5 } from '../helpers/tiny-resnet.js';

afterEach(() => vi.restoreAllMocks());

describe('summarizeModelConfig', () => {
  it('gives a graph model’s layers with their inputs, the same for Keras 2 and Keras 3 configs', () => {
    const s = summarizeModelConfig(keras2Config());
    expect(s.kind).toBe('graph');
    expect([s.input, s.output]).toEqual(['input_1', 'predictions']);
    expect(s.layers.find((l) => l.name === 'add')).toEqual({ name: 'add', className: 'Add', inputs: ['bn2', 'relu1'] });
    expect(summarizeModelConfig(keras3Config())).toEqual(s);
    const lines = modelSummaryLines(s);
    expect(lines[0]).toBe('  model: graph, 10 layers, input input_1, output predictions');
    expect(lines).toContain('    add          Add                     ← bn2, relu1');
  });

  it('names each layer it cannot run, with the reason, one line each', () => {
    const config = keras2Config() as { config: { layers: Record<string, unknown>[] } };
    config.config.layers.splice(1, 0, { class_name: 'Lambda', config: { name: 'scale', function: 'x / 255' }, name: 'scale', inbound_nodes: [[['input_1', 0, 0, {}]]] });
    (config.config.layers[2]!.inbound_nodes as unknown[][][])[0]![0]![0] = 'scale';
    const s = summarizeModelConfig(config);
    expect(s.layers.filter((l) => l.unsupported).map((l) => l.name)).toEqual(['scale']);
    expect(modelSummaryLines(s).filter((l) => l.includes('unsupported'))).toEqual([
      '  unsupported: layer scale (Lambda): a Lambda layer holds Python code, which cannot be loaded outside Python; rebuild the model with built-in layers in its place',
    ]);
  });
});

describe('stieltjes inspect on a functional model file', () => {
  it('prints the weights, then the graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stieltjes-inspect-'));
    try {
      const path = join(dir, 'tiny_resnet.h5');
      await writeTinyResnetH5(path, tinyResnetWeights());
      const out: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
      expect(await inspectCommand.run([path])).toBe(0);
      const text = out.join('');
      expect(text).toMatch(/model: graph, 10 layers, input input_1, output predictions/);
      expect(text).toMatch(/relu2 +Activation +← add/);
      out.length = 0;
      expect(await inspectCommand.run([path, '--json'])).toBe(0);
      const json = JSON.parse(out.join(''));
      expect(json.model.kind).toBe('graph');
      expect(json.model.layers).toHaveLength(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
