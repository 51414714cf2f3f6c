/** keras.applications MobileNetV3Small (small variant: alpha 0.75, 64×64; tf.keras 2's TFOpLambda hard-sigmoids) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('mobilenetv3small');
