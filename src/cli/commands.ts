/** Every subcommand, registered in the order `--help` lists them. */
import './inspect.js';
import './classify.js';
import './explain.js';
import './baseline.js';
import './weights.js';
import './gradcheck.js';
import './bench.js';
