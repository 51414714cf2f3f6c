/** A keras.applications weights-only file → the architecture it belongs to. */
import { CONVNEXT_VARIANTS, convNeXtArchitecture, type ConvNeXtVariant } from './convnext.js';
import { denseNetArchitecture } from './densenet.js';
import { EFFICIENTNET_VARIANTS, efficientNetArchitecture, efficientNetVariantOf } from './efficientnet.js';
import { EFFICIENTNETV2_VARIANTS, efficientNetV2Architecture } from './efficientnet-v2.js';
import { inceptionResNetV2Architecture } from './inception-resnet-v2.js';
import { inceptionV3Architecture } from './inception-v3.js';
import { mobilenetArchitecture } from './mobilenet.js';
import { mobilenetV2Architecture } from './mobilenet-v2.js';
import { mobilenetV3Architecture } from './mobilenet-v3.js';
import { efficientNetStageCounts, efficientNetV2VariantOf, recogniseFamily } from './recognise.js';
import { resnetArchitecture, resnetV2Architecture } from './resnet.js';
import type { ApplicationArchitecture } from './types.js';
import { vgg16Architecture, vggInputSize } from './vgg16.js';
import { xceptionArchitecture } from './xception.js';

/**
 * The architecture of a keras.applications weights-only file (every family recognise.ts marks
 * buildable but VGG19, which vgg19.ts builds), with its widths, class count and top read from the
 * weights; undefined when the layer names are not a family stieltjes builds. MobileNetV3 is built
 * as its standard (not minimalistic) variant, the one Keras's default files hold.
 */
export function architectureFromWeights(layers: readonly { name: string; weights: readonly { name?: string; shape: readonly number[] }[] }[], inputSize?: number): ApplicationArchitecture | undefined {
  const names = layers.map((l) => l.name);
  const found = recogniseFamily(names);
  if (!found?.buildable || found.family === 'VGG19') return undefined;
  const byName = new Map<string, { weights: readonly { shape: readonly number[] }[] }>(layers.map((l) => [l.name, l]));
  // A nested model's group holds its layers' weights as <inner layer>/<weight> (ConvNeXt's stem and
  // downsampling blocks): its inner layers answer for their own widths.
  for (const l of layers) {
    for (const w of l.weights as readonly { name?: string; shape: readonly number[] }[]) {
      const inner = w.name && !w.name.startsWith(`${l.name}/`) ? w.name.split('/').at(-2) : undefined;
      if (inner && !byName.has(inner)) byName.set(inner, { weights: (l.weights as readonly { name?: string; shape: readonly number[] }[]).filter((v) => v.name?.split('/').at(-2) === inner) });
    }
  }
  const width = (layer: string, full: number): number => byName.get(layer)?.weights[0]?.shape.at(-1) ?? full;
  const top = byName.get('predictions')?.weights[0]?.shape;
  const classes = top ? top[1]! : 0;
  const size = inputSize ?? found.inputSize;
  if (found.family === 'VGG16') {
    // With its top, fc1's kernel says the input size; without, the family's default.
    const fc1 = byName.get('fc1')?.weights[0]?.shape;
    const c = width('block5_conv3', 512);
    return vgg16Architecture({ inputSize: inputSize ?? (fc1 ? vggInputSize(fc1[0]!, c) : undefined) ?? found.inputSize, classes, width });
  }
  if (found.family === 'MobileNet') {
    const preds = byName.get('conv_preds')?.weights[0]?.shape;
    return mobilenetArchitecture({ inputSize: size, classes: preds ? preds[3]! : 0, width });
  }
  if (found.family === 'EfficientNetV2') {
    const variant = efficientNetV2VariantOf(names)!;
    return efficientNetV2Architecture(variant, { inputSize: inputSize ?? EFFICIENTNETV2_VARIANTS[variant][2], classes, width });
  }
  if (found.family === 'ConvNeXt') {
    const variant = /^convnext_([a-z]+)_stem$/.exec(names.find((n) => /^convnext_[a-z]+_stem$/.test(n)) ?? '')?.[1] as ConvNeXtVariant | undefined;
    if (!variant || !(variant in CONVNEXT_VARIANTS)) return undefined;
    // Tiny and Small differ only in stage 3's depth, Base/Large/XLarge in widths (read from the weights).
    const head = byName.get(`convnext_${variant}_head_dense`)?.weights[0]?.shape;
    return convNeXtArchitecture(variant, { inputSize: size, classes: head ? head[1]! : 0, width });
  }
  if (found.family === 'MobileNetV3') {
    // Small has blocks expanded_conv … expanded_conv_10, Large … expanded_conv_14.
    const blocks = Math.max(...names.map((n) => Number(/^expanded_conv_(\d+)\/project$/.exec(n)?.[1] ?? 0)));
    const logits = byName.get('Logits')?.weights[0]?.shape;
    return mobilenetV3Architecture(blocks >= 14 ? 'large' : 'small', { inputSize: size, classes: logits ? logits[3]! : 0, width });
  }
  if (found.family === 'MobileNetV2') return mobilenetV2Architecture({ inputSize: size, classes, width });
  if (found.family === 'DenseNet') {
    const blocks = names.filter((n) => /^conv4_block\d+_concat$/.test(n)).length;
    const variant = blocks >= 48 ? 'DenseNet201' : blocks >= 32 ? 'DenseNet169' : 'DenseNet121';
    return denseNetArchitecture(variant, { inputSize: size, classes, width });
  }
  if (found.family === 'InceptionResNetV2') return inceptionResNetV2Architecture({ inputSize: size, classes, width });
  if (found.family === 'InceptionV3') return inceptionV3Architecture({ inputSize: size, classes, width });
  if (found.family === 'Xception') return xceptionArchitecture({ inputSize: size, classes, width });
  if (found.family === 'EfficientNet') {
    // Keras's release files are for the ImageNet build (with its second Rescaling).
    const variant = efficientNetVariantOf(efficientNetStageCounts(names), width('top_conv', 0))!;
    return efficientNetArchitecture(variant, { inputSize: inputSize ?? EFFICIENTNET_VARIANTS[variant][2], classes, width, imagenet: true });
  }
  if (found.family.endsWith('V2')) return resnetV2Architecture(found.family as 'ResNet50V2' | 'ResNet101V2' | 'ResNet152V2', { inputSize: size, classes, width });
  return resnetArchitecture(found.family as 'ResNet50' | 'ResNet101' | 'ResNet152', { inputSize: size, classes, width });
}
