/** keras.applications EfficientNetV2S (small variant: declared widths /4, 64×64; S's 40 blocks, its residual expansion-1 fused first stage, its Rescaling 1/128 − 1) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetv2s');
