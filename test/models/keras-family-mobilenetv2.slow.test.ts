/**
 * keras.applications mobilenetv2 (small variant), slow tier: IG, Keras's weights-only layout and Keras
 * 3's .keras layout, the suite's checks that keras-family-mobilenetv2.test.ts leaves out of the default
 * tier (see test/helpers/keras-family-suite.ts).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('mobilenetv2', ['ig', 'weights-only', 'keras3']);
