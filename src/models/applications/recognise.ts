/**
 * Which keras.applications family a model is, from its layer names and structure (never a file
 * name): that picks its pixel scaling, its default input size and Grad-CAM layer, and whether
 * stieltjes can rebuild its architecture from a weights-only file.
 */
import { EFFICIENTNET_VARIANTS, efficientNetVariantOf } from './efficientnet.js';
import { EFFICIENTNETV2_VARIANTS, efficientNetV2Repeats, type EfficientNetV2Variant } from './efficientnet-v2.js';
import type { RecognisedFamily } from './types.js';

const has = (names: ReadonlySet<string>, ...want: string[]): boolean => want.every((n) => names.has(n));

/** The family a model's layer names say it is, or undefined. */
export function recogniseFamily(layerNames: Iterable<string>): RecognisedFamily | undefined {
  const names = new Set(layerNames);
  const count = (re: RegExp): number => [...names].filter((n) => re.test(n)).length;
  if (has(names, 'conv1_conv', 'conv2_block1_preact_bn', 'post_bn')) {
    const blocks = count(/^conv4_block\d+_out$/);
    const family = blocks >= 36 ? 'ResNet152V2' : blocks >= 23 ? 'ResNet101V2' : 'ResNet50V2';
    return { family, rule: 'symmetric', inputSize: 224, camLayer: 'post_relu', buildable: true };
  }
  if (has(names, 'conv1_conv', 'conv2_block1_1_conv', 'conv2_block1_0_conv')) {
    const blocks = count(/^conv4_block\d+_1_conv$/);
    const family = blocks >= 36 ? 'ResNet152' : blocks >= 23 ? 'ResNet101' : 'ResNet50';
    return { family, rule: 'caffe', inputSize: 224, camLayer: 'conv5_block3_out', buildable: true };
  }
  if (has(names, 'Conv1', 'expanded_conv_depthwise', 'Conv_1')) return { family: 'MobileNetV2', rule: 'symmetric', inputSize: 224, camLayer: 'out_relu', buildable: true };
  if (has(names, 'block1_conv1', 'block5_conv4')) return { family: 'VGG19', rule: 'caffe', inputSize: 224, camLayer: 'block5_conv4', buildable: true };
  if (has(names, 'block1_conv1', 'block5_conv3')) return { family: 'VGG16', rule: 'caffe', inputSize: 224, camLayer: 'block5_conv3', buildable: true };
  if (has(names, 'conv1', 'conv_dw_1', 'conv_pw_13')) return { family: 'MobileNet', rule: 'symmetric', inputSize: 224, camLayer: 'conv_pw_13_relu', buildable: true };
  if ([...names].some((n) => /^expanded_conv(_\d+)?\/(depthwise|project)$/.test(n)) || has(names, 'Conv', 'Conv_2')) {
    return { family: 'MobileNetV3', rule: 'none', inputSize: 224, buildable: true };
  }
  if (has(names, 'conv1/conv', 'pool2_conv')) return { family: 'DenseNet', rule: 'torch', inputSize: 224, camLayer: 'relu', buildable: true };
  if (has(names, 'block1_conv1', 'block14_sepconv2')) return { family: 'Xception', rule: 'symmetric', inputSize: 299, camLayer: 'block14_sepconv2_act', buildable: true };
  if (has(names, 'mixed_7a', 'conv_7b')) return { family: 'InceptionResNetV2', rule: 'symmetric', inputSize: 299, camLayer: 'conv_7b_ac', buildable: true };
  if (has(names, 'mixed10', 'mixed0')) return { family: 'InceptionV3', rule: 'symmetric', inputSize: 299, camLayer: 'mixed10', buildable: true };
  if (has(names, 'stem_conv', 'top_conv', 'block1a_dwconv', 'block1a_se_excite')) {
    const variant = efficientNetVariantOf(efficientNetStageCounts(names));
    return { family: 'EfficientNet', rule: 'none', inputSize: variant ? EFFICIENTNET_VARIANTS[variant][2] : 224, camLayer: 'top_activation', buildable: variant !== undefined };
  }
  if (has(names, 'stem_conv', 'top_conv')) {
    const variant = efficientNetV2VariantOf(names);
    return { family: 'EfficientNetV2', rule: 'none', inputSize: variant ? EFFICIENTNETV2_VARIANTS[variant][2] : 224, camLayer: 'top_activation', buildable: variant !== undefined };
  }
  if ([...names].some((n) => /^convnext_(tiny|small|base|large|xlarge)_(stem|stem_conv)$/.test(n))) return { family: 'ConvNeXt', rule: 'none', inputSize: 224, buildable: true };
  return undefined;
}

/** EfficientNet's blocks per stage, from its layer names (block1a_dwconv … block7x_dwconv). */
export function efficientNetStageCounts(names: Iterable<string>): number[] {
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (const n of names) {
    const m = /^block(\d)[a-z]_dwconv$/.exec(n);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= 7) counts[Number(m[1]) - 1]!++;
  }
  return counts;
}

/** The EfficientNetV2 variant (B0–B3, S, M, L) whose blocks per stage (blockNx_project_conv) these names have. */
export function efficientNetV2VariantOf(names: Iterable<string>): EfficientNetV2Variant | undefined {
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (const n of names) {
    const m = /^block(\d)[a-z]_project_conv$/.exec(n);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= 7) counts[Number(m[1]) - 1]!++;
  }
  while (counts.length > 0 && counts.at(-1) === 0) counts.pop();
  return (Object.keys(EFFICIENTNETV2_VARIANTS) as EfficientNetV2Variant[]).find((v) => efficientNetV2Repeats(v).join() === counts.join());
}
