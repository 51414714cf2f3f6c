/** keras.applications EfficientNetB3 (small variant: B3's depth ×1.4, 26 blocks, and width ×1.2 rounding) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. Slow tier: its layers are those of families the default tier checks numerically (its structure is checked there by keras-family-recognition and keras-family-param-counts). */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetb3');
