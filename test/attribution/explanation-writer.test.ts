/** writeExplanation: the files an Explanation becomes, read back, and nothing half-written on failure. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/attribution/explain.js';
import { writeExplanation } from '../../src/attribution/explanation-writer.js';
import type { Explanation } from '../../src/attribution/explanation.js';
import { decodeImage } from '../../src/io/image-codec.js';
import { decodeNpy } from '../../src/io/npy.js';
import { randomUniform } from '../../src/tensor/creation.js';
import { smallCnn } from '../helpers/small-models.js';

const model = smallCnn({ seed: 41, dtype: 'float32' });
const x = randomUniform([1, 8, 8, 3], 0, 1, { seed: 42 });
const work = mkdtempSync(join(tmpdir(), 'stieltjes-writer-'));
const image = { width: 16, height: 16, data: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 7) % 256) };
const npy = (path: string) => decodeNpy(new Uint8Array(readFileSync(path)), path);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('writeExplanation', () => {
  it('IG with an image: attribution.npy as computed, heatmap, overlay and panel at the image size, result.json without the arrays', async () => {
    const e = await explain(model, x, { method: 'integrated-gradients', steps: 2 });
    const dir = join(work, 'ig');
    const written = await writeExplanation(e, dir, { image, colormap: 'hot', igMap: 'positive', extra: { image: 'in.png' } });
    const names = ['attribution.npy', 'heatmap.png', 'overlay.png', 'panel.png', 'probabilities.npy', 'result.json'];
    expect(readdirSync(dir).sort()).toEqual(names);
    expect(written.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(names);
    expect(written.files.at(-1)).toBe(join(dir, 'result.json'));
    const a = npy(join(dir, 'attribution.npy'));
    expect(a.shape).toEqual([8, 8, 3]);
    expect(a.descr).toBe('<f4');
    expect(a.data).toEqual(e.maps[0]!.data);
    expect(npy(join(dir, 'probabilities.npy')).data).toEqual(e.scores.output);
    const heat = decodeImage(new Uint8Array(readFileSync(join(dir, 'overlay.png'))), 'overlay.png');
    expect([heat.width, heat.height]).toEqual([16, 16]);
    expect(decodeImage(new Uint8Array(readFileSync(join(dir, 'panel.png'))), 'panel.png').width).toBe(16 * 3 + 16);

    const r = json(join(dir, 'result.json'));
    expect(r).toMatchObject({ image: 'in.png', method: 'integrated-gradients', model: 'small-cnn', target: { index: e.target.index }, backend: { name: 'cpu' } });
    expect(r.maps).toEqual([{ name: 'attribution', space: 'input', shape: [8, 8, 3], completeness: e.maps[0]!.completeness, files: { npy: 'attribution.npy', heatmap: 'heatmap.png', overlay: 'overlay.png', panel: 'panel.png' } }]);
    expect(r.scores).toEqual({ kind: 'probability', head: 'softmax', input: e.scores.input, baseline: e.scores.baseline, probability: e.scores.probability, path: e.scores.path });
    expect(r.rendering).toEqual({ colormap: 'hot', igMap: 'positive', overlay: true });
    expect(r.files).toEqual({ output: 'probabilities.npy' });
    expect(r.parameters).toEqual(e.parameters);
  });

  it('Grad-CAM without an image: per layer cam-<layer>.npy at the layer resolution and a heatmap; an existing folder keeps its other files', async () => {
    const e = await explain(model, x, { method: 'grad-cam', layers: ['conv2', 'conv3'] });
    const dir = join(work, 'cam');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await writeExplanation(e, dir);
    expect(readdirSync(dir).sort()).toEqual(['cam-conv2.npy', 'cam-conv3.npy', 'heatmap-conv2.png', 'heatmap-conv3.png', 'notes.txt', 'probabilities.npy', 'result.json']);
    expect(npy(join(dir, 'cam-conv3.npy'))).toMatchObject({ shape: [4, 4], data: e.maps[1]!.data });
    const heat = decodeImage(new Uint8Array(readFileSync(join(dir, 'heatmap-conv2.png'))), 'heatmap-conv2.png');
    expect([heat.width, heat.height]).toEqual([8, 8]);
    expect(json(join(dir, 'result.json')).maps.map((m: { files: unknown }) => m.files)).toEqual([
      { npy: 'cam-conv2.npy', heatmap: 'heatmap-conv2.png' },
      { npy: 'cam-conv3.npy', heatmap: 'heatmap-conv3.png' },
    ]);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('writes nothing on failure: a map that cannot be drawn, a folder in the way, a file where the folder should be', async () => {
    const e = await explain(model, x, { method: 'grad-cam', layers: ['conv1'] });
    const broken: Explanation = { ...e, maps: [{ ...e.maps[0]!, data: e.maps[0]!.data.map((v, i) => (i === 3 ? NaN : v)) }] };
    const dir = join(work, 'broken');
    await expect(writeExplanation(broken, dir)).rejects.toThrow(/map conv1: element 3 of \d+ is NaN/);
    expect(existsSync(dir)).toBe(false);

    const clash = join(work, 'clash');
    mkdirSync(join(clash, 'result.json'), { recursive: true });
    await expect(writeExplanation(e, clash)).rejects.toThrow(/result\.json: something other than a file is in the way/);
    expect(readdirSync(clash)).toEqual(['result.json']);

    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    await expect(writeExplanation(e, file)).rejects.toThrow(/exists and is not a folder/);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });
});
