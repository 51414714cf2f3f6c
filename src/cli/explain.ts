/**
 * stieltjes explain IMAGE --method ig|gradcam|rsi-gradcam --out DIR: runs one attribution method
 * and writes result.json, probabilities.npy, the raw maps as .npy and the heatmaps as PNG.
 */
import { renderHeatmap, igMap } from '../attribution/heatmap.js';
import { gradCam, defaultCamLayer, type CamMap } from '../attribution/grad-cam.js';
import { integratedGradients } from '../attribution/integrated-gradients.js';
import { QUADRATURE_RULES, type QuadratureRule } from '../attribution/quadrature.js';
import { rsiGradCam } from '../attribution/rsi-grad-cam.js';
import { argmax, predict, type ScoreKind } from '../attribution/score.js';
import { encodePng } from '../io/image-codec.js';
import { readImageFile } from '../io/image-file.js';
import { encodeNpy } from '../io/npy.js';
import { prepareImage, pixelsToInput } from '../models/input.js';
import { choiceFlag, intFlag, parseFlags, stringFlag } from './args.js';
import { AUTOTUNE_CHOICES, AUTOTUNE_HELP, startAutotune } from './autotune-choice.js';
import { BACKEND_CHOICES, chooseBackend } from './backend-choice.js';
import { resolveBaseline, BASELINE_HELP } from './baseline-choice.js';
import { CliError } from './errors.js';
import { classLabel, loadCliModel } from './model-choice.js';
import { OutputDir } from './output-dir.js';
import { ProgressBar } from './progress-bar.js';
import { registerCommand } from './run.js';
import { VERSION } from '../version.js';

const METHODS = ['ig', 'gradcam', 'rsi-gradcam'] as const;
type Method = (typeof METHODS)[number];

const usage = `Usage: stieltjes explain IMAGE --method ig|gradcam|rsi-gradcam --out DIR [options]

Options:
  --weights FILE          Keras weights (.h5, .keras); default: the Keras cache VGG19 file when
                          present, otherwise the bundled digit model
  --config FILE.json      model architecture, for weights-only files that are not VGG19
  --method M              ig | gradcam | rsi-gradcam (required)
  --layer L1,L2,...       layers for the CAM methods (default block5_conv4, or the model's last conv)
  --target N|top          class to explain (default top: the top-1 class)
  --score S               probability (default; the model's output) | logit
  --steps M               interpolation steps for ig and rsi-gradcam (default 50)
  --rule R                ig: right | left | middle | trapezoid | gauss-legendre;
                          rsi-gradcam: right | trapezoid (default right)
  --weighting W           rsi-gradcam: paper (default) | guided
  --baseline B            ${BASELINE_HELP}
  --ig-map abs|positive   how IG attributions become a heatmap (default abs)
  --colormap jet|hot      heatmap colours (default jet)
  --backend auto|cpu|webgpu (default auto)
  --batch N               interpolated inputs per batch (default: as many as memory allows)
  ${AUTOTUNE_HELP}
  --center-crop           crop the image to the model's aspect ratio before resizing
  --quiet                 no progress output
  --out DIR               output folder (required)

Writes result.json, probabilities.npy, and for ig attribution.npy (float32 [H, W, C], the
model's input space and channel order), heatmap.png, overlay.png, panel.png; for the CAM methods,
per layer: cam-<layer>.npy (float32 [h, w], after ReLU, before normalisation), heatmap-<layer>.png,
overlay-<layer>.png, panel-<layer>.png.`;

registerCommand({
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
      batch: { type: 'string' },
      autotune: { type: 'string' },
      'center-crop': { type: 'boolean' },
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
    const steps = intFlag(C, 'steps', values.steps, 50, 1, 100000);
    const rule = method === 'ig' ? choiceFlag<QuadratureRule>(C, 'rule', values.rule, QUADRATURE_RULES, 'right') : choiceFlag(C, 'rule', values.rule, ['right', 'trapezoid'] as const, 'right');
    if (rule === 'trapezoid' && steps < 2 && method === 'ig') throw new CliError('explain: --rule trapezoid needs --steps ≥ 2', 2);
    const weighting = choiceFlag(C, 'weighting', values.weighting, ['paper', 'guided'] as const, 'paper');
    const igMode = choiceFlag(C, 'ig-map', values['ig-map'], ['abs', 'positive'] as const, 'abs');
    const colormapName = choiceFlag(C, 'colormap', values.colormap, ['jet', 'hot'] as const, 'jet');
    const backendChoice = choiceFlag(C, 'backend', values.backend, BACKEND_CHOICES, 'auto');
    const batch = values.batch === undefined ? undefined : intFlag(C, 'batch', values.batch, 1, 1, 4096);
    const autotuneChoice = choiceFlag(C, 'autotune', values.autotune, AUTOTUNE_CHOICES, 'auto');
    const quiet = !!values.quiet;
    const bar = new ProgressBar(quiet);
    const say = (line: string): void => bar.message(line);

    const t0 = Date.now();
    const image = await readImageFile(positionals[0]!);
    const backend = await chooseBackend(backendChoice, say);
    const model = await loadCliModel(stringFlag(values.weights), stringFlag(values.config), backend, say);
    const tLoaded = Date.now();
    let layers: string[] = [];
    if (method !== 'ig') {
      const raw = stringFlag(values.layer);
      const dflt = model.layerNames.includes('block5_conv4') ? 'block5_conv4' : defaultCamLayer(model);
      layers = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [dflt];
      for (const l of layers) {
        if (!model.layerNames.includes(l)) throw new CliError(`explain: --layer ${l}: model ${model.name} has no such layer; valid layers: ${model.layerNames.join(', ')}`, 2);
        if (model.layerShape(l).length !== 3) throw new CliError(`explain: --layer ${l} has no spatial output; layers with one: ${model.layerNames.filter((n: string) => model.layerShape(n).length === 3).join(', ')}`, 2);
      }
    } else if (values.layer !== undefined) {
      throw new CliError('explain: --layer applies to gradcam and rsi-gradcam, not ig', 2);
    }
    const prepared = prepareImage(model, image, { centerCrop: !!values['center-crop'] });
    const x = prepared.input;
    const probs = await predict(model, x);
    const targetRaw = stringFlag(values.target) ?? 'top';
    const target = targetRaw === 'top' ? argmax(probs) : intFlag(C, 'target', targetRaw, 0, 0, model.numClasses - 1);
    const [H, W, Ch] = model.inputShape;
    const baselineSpec = stringFlag(values.baseline) ?? 'black';
    const baselinePixels = method === 'gradcam' ? null : await resolveBaseline(baselineSpec, prepared.pixels, H, W, Ch);
    const baseline = baselinePixels ? pixelsToInput(model, baselinePixels.data) : null;

    const dir = await OutputDir.create(out);
    const started = Date.now();
    try {
      const result: Record<string, unknown> = {
        stieltjes: VERSION,
        image: positionals[0],
        model: model.name,
        weights: model.source,
        method,
        target,
        ...classLabel(model, target),
        probability: probs[target],
        parameters: {
          score,
          ...(method !== 'gradcam' ? { steps, rule, baseline: baselineSpec } : {}),
          ...(method === 'rsi-gradcam' ? { weighting } : {}),
          ...(method !== 'ig' ? { layers } : { igMap: igMode }),
          colormap: colormapName,
          centerCrop: !!values['center-crop'],
        },
        backend: backend.info().name,
        adapter: backend.info().adapter,
      };
      await dir.write('probabilities.npy', encodeNpy(probs, [probs.length]));
      // Grad-CAM is one pass: nothing to gain from tuning it.
      const tuning = method === 'gradcam' ? null : await startAutotune(autotuneChoice, backend, say);
      const autotune = tuning !== null;
      const onAutotuned = tuning?.onAutotuned;
      const writeMaps = async (m: CamMap): Promise<void> => {
        const r = renderHeatmap(m.map, m.height, m.width, prepared.image, { colormap: colormapName });
        await dir.write(`cam-${m.layer}.npy`, encodeNpy(m.map, [m.height, m.width]));
        await dir.write(`heatmap-${m.layer}.png`, encodePng(r.heatmap));
        await dir.write(`overlay-${m.layer}.png`, encodePng(r.overlay));
        await dir.write(`panel-${m.layer}.png`, encodePng(r.panel));
      };
      if (method === 'ig') {
        const r = await integratedGradients(model, x, { baseline: baseline!, target, score, steps, rule: rule as QuadratureRule, batchSize: batch, onProgress: bar.update, autotune, onAutotuned });
        const attr = Float32Array.from(await r.attribution.data());
        r.attribution.dispose();
        await dir.write('attribution.npy', encodeNpy(attr, [H, W, Ch]));
        const heat = renderHeatmap(igMap(attr, [H, W, Ch], igMode), H, W, prepared.image, { colormap: colormapName });
        await dir.write('heatmap.png', encodePng(heat.heatmap));
        await dir.write('overlay.png', encodePng(heat.overlay));
        await dir.write('panel.png', encodePng(heat.panel));
        Object.assign(result, { scoreInput: r.scoreInput, scoreBaseline: r.scoreBaseline, completenessDelta: r.delta, batchSize: r.batchSize });
      } else if (method === 'gradcam') {
        const r = await gradCam(model, x, { layers, target, score });
        for (const m of r.maps) await writeMaps(m);
        Object.assign(result, { scoreInput: r.scoreInput });
      } else {
        const r = await rsiGradCam(model, x, { baseline: baseline!, layers, target, score, steps, rule: rule as 'right' | 'trapezoid', weighting, batchSize: batch, onProgress: bar.update, autotune, onAutotuned });
        for (const m of r.maps) await writeMaps(m);
        Object.assign(result, {
          scoreInput: r.scoreInput,
          scoreBaseline: r.scoreBaseline,
          layerCompleteness: Object.fromEntries(r.maps.map((m) => [m.layer, { integral: m.integral, delta: m.completenessDelta }])),
          batchSize: r.batchSize,
        });
      }
      if (tuning) result.autotune = await tuning.finish();
      // Seconds: loading (image, backend, weights), the prediction, the method with its outputs.
      result.timings = { loadSeconds: (tLoaded - t0) / 1000, predictSeconds: (started - tLoaded) / 1000, methodSeconds: (Date.now() - started) / 1000, totalSeconds: (Date.now() - t0) / 1000 };
      await dir.write('result.json', new TextEncoder().encode(`${JSON.stringify(result, null, 1)}\n`));
      const written = await dir.commit();
      const label = classLabel(model, target);
      say(`explained class ${target} (${label.label}, p = ${probs[target]!.toFixed(4)}) with ${method}; wrote ${written.length} files to ${dir.dest}`);
      return 0;
    } catch (e) {
      await dir.abandon();
      throw e;
    } finally {
      x.dispose();
      baseline?.dispose();
    }
  },
});
