/**
 * Limits on what an input file may make us allocate. A file's header can claim anything (a
 * 389 KB PNG claiming 20,000×20,000 pixels, a zip entry claiming 10 bytes that inflates to a
 * gigabyte), so every decoder checks claims against these caps BEFORE allocating, and every
 * decompressor stops as soon as its output passes the smaller of the declared size and the cap.
 *
 * Defaults suit VGG19-sized models and camera-sized photos. Override per call (the options
 * objects of the readers take `limits`) or per process with environment variables, documented
 * in docs/security.md. Browser-safe: `process` is read only where it exists.
 */

export interface InputLimits {
  /** Most bytes one decompressed stream (a zip entry, a PNG's image data) may produce. */
  readonly maxInflatedBytes: number;
  /** Most pixels (width × height) an image may declare. */
  readonly maxImagePixels: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  // VGG19 with its top is 548 MB inside a .keras archive; twice that leaves room, and stops
  // a bomb well before it exhausts a 4 GB machine.
  maxInflatedBytes: 1024 * 1024 * 1024,
  // 100 megapixels: jpeg-js's own default, and far above any photo a classifier is fed.
  maxImagePixels: 100_000_000,
};

/** Environment variables that override the defaults (positive integers). */
export const LIMIT_VARIABLES: { readonly [K in keyof InputLimits]: string } = {
  maxInflatedBytes: 'STIELTJES_MAX_INFLATED_BYTES',
  maxImagePixels: 'STIELTJES_MAX_IMAGE_PIXELS',
};

function fromEnvironment(key: keyof InputLimits): number | undefined {
  const name = LIMIT_VARIABLES[key];
  const raw = typeof process === 'undefined' ? undefined : process.env?.[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

/**
 * The limits in force: explicit `overrides` first, then the environment, then the defaults.
 * Read at each call, so a test or a long-lived process may change the environment.
 */
export function resolveLimits(overrides: Partial<InputLimits> = {}): InputLimits {
  const pick = (key: keyof InputLimits): number => overrides[key] ?? fromEnvironment(key) ?? DEFAULT_LIMITS[key];
  return { maxInflatedBytes: pick('maxInflatedBytes'), maxImagePixels: pick('maxImagePixels') };
}

/** A byte count for messages: "1.0 GiB", "12.5 MiB", "300 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${n} bytes`;
}
