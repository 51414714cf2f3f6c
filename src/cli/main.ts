#!/usr/bin/env node
/**
 * The `stieltjes` command: a thin shell over the library. Each subcommand lives in its own file;
 * run.ts parses the first word and reports errors as one clear line with a non-zero exit.
 */
import { runCliToExitCode } from './run.js';

runCliToExitCode(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
