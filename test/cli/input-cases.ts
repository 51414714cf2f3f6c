/**
 * The bad inputs of test/cli/input-checks.test.ts (all but one in that test's process) and
 * test/cli/input-checks.slow.test.ts (every one in a process of its own): each is refused in one
 * line before any backend starts, and no output is made.
 */
import { join } from 'node:path';

const DIGITS = join(__dirname, '..', '..', 'assets', 'digits');
export const weights = join(DIGITS, 'digits-cnn.h5');
export const image = join(DIGITS, 'samples', 'digit-0-349.png');
/** A small weights-only file (no model config) that is not VGG19. */
const weightsOnly = join(__dirname, '..', 'fixtures', 'keras', 'hls4ml', 'KERAS_conv2d_model_weights.h5');

/** [arguments, what the one line says]; `work` is a scratch folder, whose `never` must stay unmade. */
export function inputCases(work: string): [string[], string][] {
  const out = join(work, 'never');
  return [
    // The default backend (auto) would start Dawn, whose warnings go to stderr: inputs come first.
    [['classify', image, '--weights', join(work, 'none.h5')], `weights file ${join(work, 'none.h5')}: no such file`],
    [['explain', image, '--weights', weights, '--method', 'ig', '--out', out, '--baseline', join(work, 'none.npy')], `--baseline ${join(work, 'none.npy')}: cannot read .npy file`],
    [['classify', image, '--weights', ''], "--weights: expected a file, got ''"],
    [['bench', '--weights', join(work, 'none.h5')], `bench: --weights ${join(work, 'none.h5')}: no such file`],
    // What only the model can tell (its layers, its classes, whether its architecture is known) is
    // read from the file without a backend: with --backend webgpu, Dawn's warnings would come first.
    // (Where no adapter exists the order shows too: the backend's error would replace these.)
    [['explain', image, '--weights', weights, '--method', 'gradcam', '--layer', 'nope', '--out', out, '--backend', 'webgpu'], 'explain: --layer nope: model digits_cnn has no such layer; valid layers: block1_conv1, '],
    [['explain', image, '--weights', weights, '--method', 'ig', '--target', '10', '--out', out, '--backend', 'webgpu'], "explain: --target must be an integer in [0, 9], got '10'"],
    [['classify', image, '--weights', weightsOnly, '--backend', 'webgpu'], `${weightsOnly}: a weights-only file with 2 weighted layers that is not VGG19; give its architecture`],
  ];
}
