/**
 * Pieces shared by the GEMM-shaped kernels (matmul, conv2d and its two gradients).
 *
 * Each invocation owns a block of RM output rows × 4·CN output columns, held in RM·CN vec4
 * accumulators `acc_r_c`; per step along K it loads RM values of A and CN vec4s of B and does
 * RM·CN vec4 FMAs, so loads per FMA fall as the block grows. Operands are read straight from
 * storage buffers, not staged in workgroup memory: on llvmpipe (and SwiftShader), where WebGPU
 * runs on CPU cores, workgroup memory is ordinary memory and barriers cost a context switch, and
 * a staged 64×64 tile measured 2.4 GFLOP/s against 8 for direct loads on a 512³ matmul; on GPUs
 * the block's reuse plus the caches carry most of the benefit. All the code is unrolled in
 * TypeScript so that the WGSL has no small constant loops for the compiler to get wrong.
 */

import type { Tiling } from '../gemm-choice.js';

export type { Tiling };

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** `var acc_r_c = vec4<f32>(0.0);` for the whole block. */
export function declareAccumulators(t: Tiling): string {
  return range(t.RM)
    .flatMap((r) => range(t.CN).map((c) => `var acc_${r}_${c} = vec4<f32>(0.0);`))
    .join('\n  ');
}

/**
 * FMAs of one K step: acc_r_c += a_r · b_c, where `aScalar(r)` is an f32 expression for row r and
 * `bVec(c)` a vec4 expression for column group c at that step.
 */
export function fmaStep(t: Tiling, aScalar: (r: number) => string, bVec: (c: number) => string): string {
  return range(t.RM)
    .flatMap((r) => range(t.CN).map((c) => `acc_${r}_${c} = fma(vec4<f32>(${aScalar(r)}), ${bVec(c)}, acc_${r}_${c});`))
    .join('\n    ');
}

/**
 * Stores the block into `out`: element (m, n) at `base + m·ld + n`, for m < rows and n < cols.
 * vec4 stores when `vecOut` (cols, ld and base multiples of 4), otherwise per component.
 * `transform(v, c)` maps the vec4 (bias, ReLU) before it is stored; with `accumulate` the block
 * is added to what `out` holds (K split into pieces run one after the other).
 */
export function storeBlock(
  t: Tiling,
  o: { base: string; rows: string; cols: string; ld: string; m0: string; n0: string; vecOut: boolean; accumulate?: boolean },
  transform: (v: string, c: number) => string = (v) => v,
): string {
  const lines: string[] = [];
  for (let r = 0; r < t.RM; r++) {
    const inner: string[] = [];
    for (let c = 0; c < t.CN; c++) {
      const n = `${o.n0} + ${4 * c}u`;
      const v = transform(`acc_${r}_${c}`, c);
      if (o.vecOut) {
        const idx = `(${o.base} + m * ${o.ld} + ${n}) >> 2u`;
        const value = o.accumulate ? `out_ld4(${idx}) + ${v}` : v;
        inner.push(`if (${n} < ${o.cols}) { out_st4(${idx}, ${value}); }`);
      } else {
        inner.push(`{ let v = ${v};`);
        for (let q = 0; q < 4; q++) {
          const idx = `${o.base} + m * ${o.ld} + ${n} + ${q}u`;
          const value = o.accumulate ? `out_ld(${idx}) + v[${q}]` : `v[${q}]`;
          inner.push(`  if (${n} + ${q}u < ${o.cols}) { out_st(${idx}, ${value}); }`);
        }
        inner.push('}');
      }
    }
    lines.push(`{ let m = ${o.m0} + ${r}u; if (m < ${o.rows}) {\n    ${inner.join('\n    ')}\n  } }`);
  }
  return lines.join('\n  ');
}

/** Clamped column indices `ncol_j = min(n0 + j, cols - 1)` for the 4·CN columns (scalar paths). */
export function clampedColumns(t: Tiling, n0: string, cols: string): string {
  return range(4 * t.CN)
    .map((j) => `let ncol_${j} = min(${n0} + ${j}u, ${cols} - 1u);`)
    .join('\n  ');
}

/** Clamped vec4 column starts `nv_c = min(n0 + 4c, cols - 4)` (vec4 paths; cols % 4 == 0). */
export function clampedVecColumns(t: Tiling, n0: string, cols: string): string {
  return range(t.CN)
    .map((c) => `let nv_${c} = min(${n0} + ${4 * c}u, ${cols} - 4u);`)
    .join('\n  ');
}
