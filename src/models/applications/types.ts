/**
 * The shapes of a keras.applications architecture as stieltjes writes it: the family names, what
 * recognition says, and the Keras 2 functional config with its weights in Keras's order.
 */
import type { PixelScaling } from '../pixel-scaling-names.js';

export type ApplicationFamily =
  | 'VGG16'
  | 'VGG19'
  | 'ResNet50'
  | 'ResNet101'
  | 'ResNet152'
  | 'ResNet50V2'
  | 'ResNet101V2'
  | 'ResNet152V2'
  | 'MobileNet'
  | 'MobileNetV2'
  | 'MobileNetV3'
  | 'DenseNet'
  | 'InceptionV3'
  | 'InceptionResNetV2'
  | 'Xception'
  | 'EfficientNet'
  | 'EfficientNetV2'
  | 'ConvNeXt';

export interface RecognisedFamily {
  family: ApplicationFamily;
  /** The pixel scaling keras.applications's preprocess_input applies ('none': it is inside the model). */
  rule: PixelScaling;
  /** The family's default input size (pixels per side). */
  inputSize: number;
  /** The layer Grad-CAM explains by default in keras.applications's full model. */
  camLayer?: string;
  /** True when stieltjes can build the architecture from a weights-only file. */
  buildable: boolean;
}

/** One weight of a layer, as a keras.applications file names and shapes it. */
export interface ApplicationWeight {
  /** Keras 2's name in the file: kernel:0, bias:0, gamma:0, beta:0, moving_mean:0, moving_variance:0, depthwise_kernel:0. */
  name: string;
  shape: number[];
}

export interface KerasConfigEntry {
  class_name: string;
  config: Record<string, unknown>;
  name: string;
  inbound_nodes: unknown[];
}

export interface ApplicationArchitecture {
  family: ApplicationFamily;
  /** Keras 2 model_config: a Functional. */
  config: { class_name: 'Functional'; config: { name: string; layers: KerasConfigEntry[]; input_layers: unknown; output_layers: unknown } };
  /** The weights each layer (but the input) holds, in config order, as Keras names them. */
  weights: { layer: string; weights: ApplicationWeight[] }[];
  camLayer: string;
}

export interface ArchitectureOptions {
  /** Pixels per side (default 224). */
  inputSize?: number;
  /** Classes of the top (default 1000); 0: no top (include_top=False, no pooling). */
  classes?: number;
  /**
   * The filter count of a convolution given the full model's; a weights file answers with its
   * kernel's output channels (width-reduced variants), a generator with its own rule.
   */
  width?: (layer: string, full: number) => number;
  name?: string;
}

