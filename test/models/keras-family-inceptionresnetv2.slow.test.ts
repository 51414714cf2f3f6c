/**
 * keras.applications InceptionResNetV2 (small variant: widths /8, 107×107; tf.keras 2.13's
 * CustomScaleLayer residuals) against its PyTorch float64 reference: see
 * test/helpers/keras-family-suite.ts. Slow tier (about 6 s: 40 residual blocks); the default tier
 * checks CustomScaleLayer itself against float64 loops (scaled-residual-layer.test.ts).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('inceptionresnetv2');
