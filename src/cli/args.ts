/**
 * Flag parsing on top of node:util parseArgs, with the checks every command needs: unknown flags,
 * integers, choices, numbers. Every error is one line naming the command, the flag, the value and
 * what is allowed; parseArgs's own messages (several lines, about its syntax rather than ours)
 * never reach the user.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

type Raw = string | boolean | undefined;

export function parseFlags(command: string, argv: string[], options: FlagSpec): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const args = attachValues(command, argv, options);
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg = e instanceof Error ? e.message : String(e);
    const flag = /'(-[^' ]+)/.exec(msg)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) throw new CliError(`${command}: unknown flag ${flag} (see stieltjes ${command} --help)`, 2);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) throw new CliError(`${command}: ${flag} takes no value (see stieltjes ${command} --help)`, 2);
    throw new CliError(`${command}: ${msg.split('\n')[0]!.replace(/\. To specify.*$/, '')} (see stieltjes ${command} --help)`, 2);
  }
}

/**
 * `--steps -1` and `--lr -0.5` are values, not flags: parseArgs calls them ambiguous, so each
 * string flag followed by a token is rewritten as `--flag=token`. A flag followed by another
 * `--flag`, or by nothing, is missing its value.
 */
function attachValues(command: string, argv: string[], options: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name === undefined || options[name]?.type !== 'string') {
      out.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2)) {
      throw new CliError(`${command}: ${a} needs a value (see stieltjes ${command} --help)`, 2);
    }
    out.push(`${a}=${next}`);
    i++;
  }
  return out;
}

/** An interval as the help text and the messages write it: [1, 100000], (0, 100], [0, ∞). */
export function rangeText(min: number, max: number, minExclusive = false): string {
  const hi = max === Number.MAX_SAFE_INTEGER || max === Infinity ? '∞)' : `${max}]`;
  return `${minExclusive ? '(' : '['}${min}, ${hi}`;
}

/** An integer flag's allowed values, [min, max] (max defaults to any safe integer). */
export type IntRange = readonly [min: number, max?: number];

export function intFlag(command: string, name: string, raw: Raw, dflt: number, range: IntRange = [1]): number {
  const [min, max = Number.MAX_SAFE_INTEGER] = range;
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CliError(`${command}: --${name} must be an integer in ${rangeText(min, max)}, got '${String(raw)}'`, 2);
  }
  return v;
}

export interface NumberRange {
  min?: number;
  max?: number;
  /** The minimum itself is not allowed (a learning rate of 0 does nothing). */
  minExclusive?: boolean;
}

export function numberFlag(command: string, name: string, raw: Raw, dflt: number, range: NumberRange = {}): number {
  if (raw === undefined) return dflt;
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  const v = Number(raw);
  const below = minExclusive ? v <= min : v < min;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || below || v > max) {
    throw new CliError(`${command}: --${name} must be a number in ${rangeText(min, max, minExclusive)}, got '${String(raw)}'`, 2);
  }
  return v;
}

export function choiceFlag<T extends string>(command: string, name: string, raw: Raw, choices: readonly T[], dflt: T): T {
  if (raw === undefined) return dflt;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new CliError(`${command}: --${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`, 2);
  }
  return raw as T;
}

export function stringFlag(raw: Raw): string | undefined {
  return typeof raw === 'string' ? raw : undefined;
}
