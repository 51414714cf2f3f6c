/**
 * keras.applications inceptionv3 (small variant) against its PyTorch float64 reference: see
 * test/helpers/keras-family-suite.ts. To keep `npm test` within its CPU budget the default tier
 * checks the recognition, the probabilities and Grad-CAM here; IG, Keras's weights-only layout and
 * Keras 3's .keras layout are in keras-family-inceptionv3.slow.test.ts (the default tier runs each of
 * them on ResNet50).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('inceptionv3', ['recognised', 'probabilities', 'grad-cam']);
