/** keras.applications MobileNetV3Large (small variant: alpha 0.75, 64×64) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. Slow tier (about 3 s): the default tier runs MobileNetV3Small, the same builder and layers. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('mobilenetv3large');
