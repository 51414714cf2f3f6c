/**
 * What this engine's WebAssembly accepts, probed with `WebAssembly.validate` on tiny modules built
 * by the same builder the kernels use (so the probe and the kernels agree on the encoding).
 * Relaxed SIMD is unflagged only from Node 22 (`--experimental-wasm-relaxed-simd` on Node 20):
 * kernels must work without it, and use its FMA when it is there.
 */
import { ModuleBuilder, type FunctionBuilder } from './module-builder.js';

export interface WasmFeatures {
  /** SIMD128 (f32x4 arithmetic, v128 loads). */
  simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`). */
  relaxedSimd: boolean;
}

/** A module with one function `() -> ()` whose body `body` emits. */
export function probeModule(body: (f: FunctionBuilder) => void): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.addFunction([], [], body);
  return m.build();
}

const zero = [0, 0, 0, 0] as const;

/** f32x4.mul of two constants, dropped. */
export const SIMD_PROBE = probeModule((f) => f.f32x4Const(zero).f32x4Const(zero).f32x4Mul().drop());
/** f32x4.relaxed_madd of three constants, dropped. */
export const RELAXED_SIMD_PROBE = probeModule((f) => f.f32x4Const(zero).f32x4Const(zero).f32x4Const(zero).f32x4RelaxedMadd().drop());

/** Probes the engine now (the answer can change only if engine flags change at run time). */
export function probeWasmFeatures(): WasmFeatures {
  const hasWasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  return {
    simd: hasWasm && WebAssembly.validate(SIMD_PROBE),
    relaxedSimd: hasWasm && WebAssembly.validate(RELAXED_SIMD_PROBE),
  };
}

let cached: WasmFeatures | null = null;

/** The engine's features, probed on first use; kernels choose their code from this. */
export function wasmFeatures(): WasmFeatures {
  cached ??= probeWasmFeatures();
  return cached;
}
