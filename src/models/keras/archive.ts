/**
 * Keras 3 `.keras` archives: a ZIP holding `config.json`, `metadata.json` and
 * `model.weights.h5`. The config orders the layers; the metadata gives the Keras version.
 */
import { resolveLimits, type InputLimits } from '../../io/limits.js';
import { KerasFormatError } from './errors.js';
import type { KerasWeights } from './types.js';
import { readKerasWeights } from './weights.js';
import { extractEntry, extractEntrySync, inflateRawWithStreams, readZipDirectory, type InflateRaw, type ZipEntry } from './zip.js';

export interface ReadKerasArchiveOptions {
  /** Name for error messages (a file path). */
  readonly name?: string;
  /** Raw-deflate decompressor; defaults to DecompressionStream('deflate-raw'). */
  readonly inflateRaw?: InflateRaw;
  /** Caps on decompressed sizes (default: environment variables, then DEFAULT_LIMITS). */
  readonly limits?: Partial<InputLimits>;
}

const WEIGHTS = 'model.weights.h5';
const CONFIG = 'config.json';
const METADATA = 'metadata.json';

/** Whether the bytes start like a ZIP archive (local file header "PK\x03\x04"). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

interface ArchiveParts {
  readonly entries: Map<string, ZipEntry>;
  readonly what: string;
}

function listParts(source: Uint8Array | ArrayBuffer, name: string | undefined): { bytes: Uint8Array; parts: ArchiveParts } {
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  const what = name ?? '<.keras archive>';
  const entries = new Map(readZipDirectory(bytes, what).map((e) => [e.name, e]));
  if (!entries.has(WEIGHTS)) throw new KerasFormatError(`${what}: no "${WEIGHTS}" in the archive (is it a .keras file?)`);
  // Without the config the layer order would silently fall back to one guessed from class
  // names; Keras always writes it, so its absence means a damaged or hand-made archive.
  if (!entries.has(CONFIG)) throw new KerasFormatError(`${what}: no "${CONFIG}" in the archive (Keras writes it beside "${WEIGHTS}"; damaged archive?)`);
  return { bytes, parts: { entries, what } };
}

function parseJson(data: Uint8Array | undefined, entryName: string, what: string): unknown {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8').decode(data));
  } catch (cause) {
    throw new KerasFormatError(`${what}: "${entryName}" is not valid JSON`, { cause });
  }
}

function assemble(parts: ArchiveParts, weights: Uint8Array, config: Uint8Array | undefined, metadata: Uint8Array | undefined): KerasWeights {
  const modelConfig = parseJson(config, CONFIG, parts.what);
  const meta = parseJson(metadata, METADATA, parts.what) as { keras_version?: unknown } | undefined;
  const kerasVersion = typeof meta?.keras_version === 'string' ? meta.keras_version : undefined;
  const result = readKerasWeights(weights, {
    name: `${parts.what}/${WEIGHTS}`,
    ...(modelConfig === undefined ? {} : { modelConfig }),
    ...(kerasVersion === undefined ? {} : { kerasVersion }),
  });
  if (result.generation !== 'keras3') {
    throw new KerasFormatError(`${parts.what}: "${WEIGHTS}" is not in the Keras 3 layout (found ${result.generation})`);
  }
  return result;
}

/** Reads a `.keras` archive; deflated entries go through `options.inflateRaw`. */
export async function readKerasArchive(source: Uint8Array | ArrayBuffer, options: ReadKerasArchiveOptions = {}): Promise<KerasWeights> {
  const { bytes, parts } = listParts(source, options.name);
  const limits = resolveLimits(options.limits);
  const inflate = options.inflateRaw ?? inflateRawWithStreams;
  const get = async (n: string): Promise<Uint8Array | undefined> => {
    const e = parts.entries.get(n);
    return e ? extractEntry(bytes, e, inflate, parts.what, limits) : undefined;
  };
  // Small entries first: a bomb in the metadata fails before the big weights are inflated.
  const metadata = await get(METADATA);
  const config = await get(CONFIG);
  return assemble(parts, (await get(WEIGHTS))!, config, metadata);
}

/** Synchronous variant for callers with a synchronous inflater (node:zlib's inflateRawSync). */
export function readKerasArchiveSync(
  source: Uint8Array | ArrayBuffer,
  inflateRaw: (compressed: Uint8Array, uncompressedSize: number) => Uint8Array,
  options: { readonly name?: string; readonly limits?: Partial<InputLimits> } = {},
): KerasWeights {
  const { bytes, parts } = listParts(source, options.name);
  const limits = resolveLimits(options.limits);
  const get = (n: string): Uint8Array | undefined => {
    const e = parts.entries.get(n);
    return e ? extractEntrySync(bytes, e, inflateRaw, parts.what, limits) : undefined;
  };
  const metadata = get(METADATA);
  const config = get(CONFIG);
  return assemble(parts, get(WEIGHTS)!, config, metadata);
}
