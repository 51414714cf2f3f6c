/** keras.applications resnet50v2 (small variant) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. Slow tier: its layers are those of families the default tier checks numerically (its structure is checked there by keras-family-recognition and keras-family-param-counts). */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('resnet50v2');
