/**
 * keras.applications mobilenetv2 (small variant) against its PyTorch float64 reference: see
 * test/helpers/keras-family-suite.ts. To keep `npm test` within its CPU budget the default tier
 * checks the recognition, the probabilities and Grad-CAM here; IG, Keras's weights-only layout and
 * Keras 3's .keras layout are in keras-family-mobilenetv2.slow.test.ts (the default tier runs each of
 * them on ResNet50).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('mobilenetv2', ['recognised', 'probabilities', 'grad-cam']);
