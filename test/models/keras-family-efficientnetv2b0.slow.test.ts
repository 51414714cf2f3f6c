/** keras.applications EfficientNetV2B0 (small variant: declared widths /4, 64×64; fused MBConv stages) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetv2b0');
