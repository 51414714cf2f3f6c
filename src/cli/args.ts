/**
 * Flag parsing on top of node:util parseArgs, with the checks every command needs: unknown flags,
 * integers, choices, numbers. Errors name the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export function parseFlags(command: string, argv: string[], options: FlagSpec): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify.*$/s, '') : String(e);
    throw new CliError(`${command}: ${msg} (see stieltjes ${command} --help)`, 2);
  }
}

export function intFlag(command: string, name: string, raw: string | boolean | undefined, dflt: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CliError(`${command}: --${name} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got '${String(raw)}'`, 2);
  }
  return v;
}

export function numberFlag(command: string, name: string, raw: string | boolean | undefined, dflt: number, min = -Infinity, max = Infinity): number {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new CliError(`${command}: --${name} must be a number in [${min}, ${max}], got '${String(raw)}'`, 2);
  }
  return v;
}

export function choiceFlag<T extends string>(command: string, name: string, raw: string | boolean | undefined, choices: readonly T[], dflt: T): T {
  if (raw === undefined) return dflt;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new CliError(`${command}: --${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`, 2);
  }
  return raw as T;
}

export function stringFlag(raw: string | boolean | undefined): string | undefined {
  return typeof raw === 'string' ? raw : undefined;
}
