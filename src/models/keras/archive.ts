/**
 * Keras 3 `.keras` archives: a ZIP holding `config.json`, `metadata.json` and
 * `model.weights.h5`. The config orders the layers; the metadata gives the Keras version.
 */
import { KerasFormatError } from './errors.js';
import type { KerasWeights } from './types.js';
import { readKerasWeights } from './weights.js';
import { extractEntry, extractEntrySync, inflateRawWithStreams, readZipDirectory, type InflateRaw, type ZipEntry } from './zip.js';

export interface ReadKerasArchiveOptions {
  /** Name for error messages (a file path). */
  readonly name?: string;
  /** Raw-deflate decompressor; defaults to DecompressionStream('deflate-raw'). */
  readonly inflateRaw?: InflateRaw;
}

const WEIGHTS = 'model.weights.h5';

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
  const modelConfig = parseJson(config, 'config.json', parts.what);
  const meta = parseJson(metadata, 'metadata.json', parts.what) as { keras_version?: unknown } | undefined;
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
  const inflate = options.inflateRaw ?? inflateRawWithStreams;
  const get = async (n: string): Promise<Uint8Array | undefined> => {
    const e = parts.entries.get(n);
    return e ? extractEntry(bytes, e, inflate, parts.what) : undefined;
  };
  const weights = (await get(WEIGHTS))!;
  return assemble(parts, weights, await get('config.json'), await get('metadata.json'));
}

/** Synchronous variant for callers with a synchronous inflater (node:zlib's inflateRawSync). */
export function readKerasArchiveSync(
  source: Uint8Array | ArrayBuffer,
  inflateRaw: (compressed: Uint8Array, uncompressedSize: number) => Uint8Array,
  options: { readonly name?: string } = {},
): KerasWeights {
  const { bytes, parts } = listParts(source, options.name);
  const get = (n: string): Uint8Array | undefined => {
    const e = parts.entries.get(n);
    return e ? extractEntrySync(bytes, e, inflateRaw, parts.what) : undefined;
  };
  return assemble(parts, get(WEIGHTS)!, get('config.json'), get('metadata.json'));
}
