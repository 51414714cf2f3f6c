/**
 * keras.applications efficientnetb0 (small variant) against its PyTorch float64 reference: see
 * test/helpers/keras-family-suite.ts. To keep `npm test` within its CPU budget the default tier
 * checks the recognition, the probabilities and Grad-CAM here; IG, Keras's weights-only layout and
 * Keras 3's .keras layout are in keras-family-efficientnetb0.slow.test.ts (the default tier runs each of
 * them on ResNet50).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetb0', ['recognised', 'probabilities', 'grad-cam']);
