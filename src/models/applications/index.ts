/**
 * keras.applications families: recognising them (by their layer names and structure, never by a
 * file name) and writing their architecture as the Keras 2 functional config that
 * keras.applications builds, so that Keras's weight files, which hold weights only, load as the
 * model they belong to. Channel widths and the class count come from the weights (so width-reduced
 * variants load too); the input size is the family's default unless the file says otherwise.
 * Browser-safe. One file per family (or family group); this index is what the rest of the code imports.
 *
 *   ResNet50/101/152 (v1)  tf.keras resnet.py: conv1_pad … convN_blockK_{0..3}_{conv,bn}, _add, _out
 *   ResNet50V2/101V2/152V2 tf.keras resnet_v2.py: …_preact_bn, _0_max, _2_pad, _out; post_bn, post_relu
 *   MobileNetV2            tf.keras mobilenet_v2.py: Conv1, expanded_conv_*, block_{1..16}_*, Conv_1, out_relu
 *   MobileNetV3Small/Large tf.keras mobilenet_v3.py: rescaling, Conv, expanded_conv[_k]/…, Conv_1, Conv_2, Logits; TFOpLambda hard-sigmoids
 *   InceptionV3            tf.keras inception_v3.py: conv2d[_k]/batch_normalization[_k]/activation[_k], mixed0–mixed10
 *   InceptionResNetV2      tf.keras inception_resnet_v2.py: conv2d[_k]…, mixed_5b/6a/7a, blockN_k_{mixed,conv,ac}, custom_scale_layer[_k], conv_7b
 *   ConvNeXtTiny…XLarge    tf.keras convnext.py: convnext_<v>_prestem_normalization, _stem and _downsampling_block_k (nested Sequentials), _stage_i_block_j_*, tf.__operators__.add[_k], _head_*
 *   EfficientNetV2B0–B3/S/M/L tf.keras efficientnet_v2.py: rescaling[, normalization (B only)], stem_*, blockNx_* (fused: expand_conv k×k; MBConv: dwconv2), top_*
 *   Xception               tf.keras xception.py: block1_conv1 … block14_sepconv2_act; shortcuts conv2d[_k]
 *   EfficientNetB0–B7      tf.keras efficientnet.py: rescaling, normalization, rescaling_1, stem_*, blockNx_*, top_*
 *   VGG16                  tf.keras vgg16.py: block{1..5}_conv{k}, block{n}_pool, flatten, fc1, fc2
 *   MobileNet              tf.keras mobilenet.py: conv1, conv_dw_k / conv_pw_k (_bn, _relu), conv_pad_k, conv_preds, reshape_2
 *   DenseNet121/169/201    tf.keras densenet.py: conv1/conv, convN_blockK_{0,1,2}_*, _concat, poolN_*, bn, relu
 */
export type { ApplicationArchitecture, ApplicationFamily, ApplicationWeight, ArchitectureOptions, KerasConfigEntry, RecognisedFamily } from './types.js';
export { recogniseFamily } from './recognise.js';
export { architectureFromWeights } from './from-weights.js';
export { resnetArchitecture, resnetV2Architecture } from './resnet.js';
export { denseNetArchitecture } from './densenet.js';
export { EFFICIENTNET_VARIANTS, efficientNetArchitecture, efficientNetB0Architecture, type EfficientNetVariant } from './efficientnet.js';
export { xceptionArchitecture } from './xception.js';
export { inceptionV3Architecture } from './inception-v3.js';
export { inceptionResNetV2Architecture } from './inception-resnet-v2.js';
export { EFFICIENTNETV2_VARIANTS, efficientNetV2Architecture, type EfficientNetV2Variant } from './efficientnet-v2.js';
export { CONVNEXT_VARIANTS, convNeXtArchitecture, type ConvNeXtVariant } from './convnext.js';
export { makeDivisible, mobilenetV2Architecture } from './mobilenet-v2.js';
export { mobilenetArchitecture } from './mobilenet.js';
export { mobilenetV3Architecture } from './mobilenet-v3.js';
export { vgg16Architecture } from './vgg16.js';
