// Explain one digit with the bundled model, from Node, as in the README.
// Run after `npm ci`:  node examples/node-explain.mjs [image.png]
import { readdir, writeFile } from 'node:fs/promises';
import { integratedGradients, rsiGradCam, prepareImage, pixelsToInput, renderHeatmap, igMap } from 'stieltjes';
import { loadModelFile, readImageFile, createWebGpuBackend, encodePng } from 'stieltjes/node';

const here = new URL('..', import.meta.url).pathname;
const samples = `${here}assets/digits/samples/`;
const imagePath = process.argv[2] ?? samples + (await readdir(samples)).find((f) => f.startsWith('digit-7'));

const backend = await createWebGpuBackend().catch(() => undefined); // the CPU when no adapter
const model = await loadModelFile(`${here}assets/digits/digits-cnn.h5`, { backend });
const { input, image } = prepareImage(model, await readImageFile(imagePath));
const black = pixelsToInput(model, new Float32Array(input.size));

const ig = await integratedGradients(model, input, { baseline: black, steps: 50 });
console.log(`class ${ig.target}: y(x) = ${ig.scoreInput.toFixed(4)}, completeness delta ${ig.delta.toExponential(2)}`);
const [h, w, c] = model.inputShape;
const igHeat = renderHeatmap(igMap(await ig.attribution.data(), [h, w, c]), h, w, image);
await writeFile('ig-panel.png', encodePng(igHeat.panel));

const cam = await rsiGradCam(model, input, { baseline: black, layers: model.spatialLayers.slice(-2, -1) });
const m = cam.maps[0];
await writeFile('rsi-panel.png', encodePng(renderHeatmap(m.map, m.height, m.width, image).panel));
console.log(`RSI-Grad-CAM at ${m.layer}: layer completeness delta ${m.completenessDelta.toExponential(2)}; wrote ig-panel.png, rsi-panel.png`);
