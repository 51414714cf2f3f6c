/**
 * The page's files (app/files.ts) against the command line's writer: the page cannot use
 * writeExplanation (Node's zlib, node:fs), so it rebuilds result.json and the file names itself;
 * here both are made from the same Explanation and must agree field for field. Also the
 * convergence plot's step counts.
 */
import { describe, expect, it } from 'vitest';
import { mapFileNames, resultJson } from '../../app/files.js';
import { convergenceSteps } from '../../app/run.js';
import { explain } from '../../src/attribution/explain.js';
import { renderFiles } from '../../src/attribution/explanation-writer.js';
import { prepareImage } from '../../src/models/input.js';
import { loadModelFile } from '../../src/models/load-model-file.js';
import { readImageFile } from '../../src/io/image-file.js';
import { VERSION } from '../../src/version.js';

describe("the page's result files", () => {
  it('result.json and the file names are those of writeExplanation, for IG and a two-layer RSI-Grad-CAM', async () => {
    const model = await loadModelFile('assets/digits/digits-cnn.h5');
    const { input, image } = prepareImage(model, await readImageFile('assets/digits/samples/digit-3-899.png'));
    try {
      for (const e of [
        await explain(model, input, { method: 'integrated-gradients', steps: 2 }),
        await explain(model, input, { method: 'rsi-grad-cam', steps: 2, layers: ['block2_conv2', 'block1_conv2'] }),
      ]) {
        const preprocess = { rule: 'unit', reason: 'auto: test' };
        const extra = { stieltjes: VERSION, image: 'digit-3-899.png', weights: 'digits-cnn.h5', centerCrop: false, preprocess };
        const cli = renderFiles(e, { image, colormap: 'hot', igMap: e.method === 'integrated-gradients' ? 'positive' : undefined, extra });
        const cliJson = JSON.parse(new TextDecoder().decode(cli.get('result.json')!));
        const pageJson = JSON.parse(JSON.stringify(resultJson(e, { image: 'digit-3-899.png', weights: 'digits-cnn.h5', preprocess }, { colormap: 'hot', igMap: 'positive', alpha: 0.3 })));
        expect(pageJson).toEqual(cliJson);
        // Key order too: a reader diffing the two files sees no difference.
        expect(Object.keys(pageJson)).toEqual(Object.keys(cliJson));
        const names = e.maps.flatMap((m) => Object.values(mapFileNames(m)));
        expect(new Set(names)).toEqual(new Set([...cli.keys()].filter((n) => n !== 'result.json' && n !== 'probabilities.npy')));
      }
    } finally {
      input.dispose();
    }
  });

  it('the page adds only its own field, page, when it has curves or convergence points', () => {
    const e = { method: 'grad-cam', model: 'm', target: { index: 0 }, scores: { kind: 'probability', input: 1, probability: 1, output: new Float32Array([1]) }, maps: [], parameters: {}, backend: { name: 'cpu', adapter: 'x' }, timings: {} } as const;
    const json = resultJson(e as never, { image: 'a.png', weights: 'w.h5', preprocess: { rule: 'none', reason: 'r' }, page: { convergence: { steps: [1], deltas: [0.5] } } }, { colormap: 'jet', igMap: 'abs', alpha: 0.5 });
    expect(Object.keys(json).at(-1)).toBe('page');
    expect(json.page).toEqual({ convergence: { steps: [1], deltas: [0.5] } });
  });

  it('convergence runs at m/8, m/4, m/2: distinct, at least one step, below m', () => {
    expect(convergenceSteps(32)).toEqual([4, 8, 16]);
    expect(convergenceSteps(4)).toEqual([1, 2]);
    expect(convergenceSteps(2)).toEqual([1]);
    expect(convergenceSteps(1)).toEqual([]);
  });
});
