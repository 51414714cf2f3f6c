/**
 * Every subcommand, in the order `--help` lists them. An explicit list rather than files that
 * register themselves on import: the order is visible here, and the import graph has no cycle
 * (command files know only the Command type, never the dispatcher).
 */
import { baselineCommand } from './baseline.js';
import { benchCommand } from './bench.js';
import { classifyCommand } from './classify.js';
import type { Command } from './command.js';
import { explainCommand } from './explain.js';
import { gradcheckCommand } from './gradcheck.js';
import { inspectCommand } from './inspect.js';
import { weightsCommand } from './weights.js';

export const commands: readonly Command[] = [
  inspectCommand,
  classifyCommand,
  explainCommand,
  baselineCommand,
  weightsCommand,
  gradcheckCommand,
  benchCommand,
];
