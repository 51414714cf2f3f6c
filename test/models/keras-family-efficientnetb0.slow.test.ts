/**
 * keras.applications efficientnetb0 (small variant), slow tier: IG, Keras's weights-only layout and Keras
 * 3's .keras layout, the suite's checks that keras-family-efficientnetb0.test.ts leaves out of the default
 * tier (see test/helpers/keras-family-suite.ts).
 */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('efficientnetb0', ['ig', 'weights-only', 'keras3']);
