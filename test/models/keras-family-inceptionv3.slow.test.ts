/**
 * keras.applications inceptionv3 (small variant), slow tier: IG, Keras's weights-only layout and Keras
 * 3's .keras layout, the suite's checks that keras-family-inceptionv3.test.ts leaves out of the default
 * tier (see test/helpers/keras-family-suite.ts).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('inceptionv3', ['ig', 'weights-only', 'keras3']);
