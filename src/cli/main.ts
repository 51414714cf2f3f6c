#!/usr/bin/env node
/**
 * The `stieltjes` command: a thin shell over the library. Each subcommand lives in its own file;
 * this one parses the first word and reports errors as one clear line with a non-zero exit.
 */
import { CliError, runCli } from './run.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const msg = e instanceof CliError || e instanceof Error ? e.message : String(e);
    process.stderr.write(`stieltjes: ${msg}\n`);
    if (process.env.STIELTJES_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  },
);
