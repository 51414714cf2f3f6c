/** keras.applications ConvNeXtTiny (small variant: widths /8, 64×64; nested Sequential stems, LayerScale, Dense on maps, TFOpLambda residuals) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('convnexttiny');
