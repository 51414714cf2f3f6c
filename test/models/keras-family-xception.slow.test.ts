/** keras.applications xception (small variant) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('xception');
