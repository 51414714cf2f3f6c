/** keras.applications EfficientNetV2S (small variant: declared widths /4, 64×64; S's 40 blocks, its residual expansion-1 fused first stage, its Rescaling 1/128 − 1) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. Slow tier (about 6 s): its blocks are those of EfficientNetV2B0, which the default tier checks numerically. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetv2s');
