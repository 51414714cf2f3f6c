/** keras.applications resnet50 (small variant) against its PyTorch float64 reference: see test/helpers/keras-family-suite.ts. The default tier runs every check here (the other default-tier families run some, their slow siblings the rest). */
import { familySuite } from '../helpers/keras-family-suite.js';

familySuite('resnet50');
