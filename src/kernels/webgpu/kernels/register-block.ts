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

export interface Tiling {
  /** Rows per invocation. */
  RM: number;
  /** vec4 columns per invocation (4·CN columns). */
  CN: number;
  /** Workgroup size along columns (x) and rows (y). */
  WX: number;
  WY: number;
}

/**
 * What the GEMM-shaped kernels are tuned for. `cpuEmulated`: a software adapter (llvmpipe,
 * SwiftShader). The rest are tuning knobs for benchmarks (WebGpuBackendOptions.gemmTiling):
 * `tiling` fixes the direct kernels' block and workgroup shape for outputs of 16 rows or more
 * (shorter outputs keep their own shapes); `direct` keeps convolutions and products off the
 * workgroup-memory kernels (conv2d-tiled.ts, and matvec.ts for products of 1–4 rows); `tiledBlock` fixes that kernel's tile and
 * `fillWorkgroups` the workgroup count it aims for (smaller tiles, then split-K; 0: no split-K;
 * the direct convolution kernels then split their taps too, conv2d.ts),
 * `splitBelow` the tile count under which it splits K, `tiledK` its K step, and `singleBuffer` makes it stage through one tile buffer instead of two.
 */
export interface GemmProfile {
  cpuEmulated: boolean;
  tiling?: Tiling;
  direct?: boolean;
  tiledBlock?: 32 | 64 | 128;
  /** The tiled kernel's tile width when not square (128×64 tiles). */
  tiledBlockN?: 64;
  /** The tiled kernel's K step (longer than its default: fewer barriers, more copies per invocation). */
  tiledK?: 8 | 16 | 32;
  /** The tiled kernel also takes forward passes whose channels no K step divides, over the flattened K. */
  tiledAnyK?: boolean;
  fillWorkgroups?: number;
  /** Split K only for outputs of fewer tiles than this (conv2d-tiled.ts's SPLIT_BELOW by default). */
  splitBelow?: number;
  singleBuffer?: boolean;
}

/**
 * Parses the tuning knob: 'RMxCN/WXxWY' (e.g. '8x2/16x16') fixes the direct kernels' tiling,
 * 'direct' turns the workgroup-memory kernels off, 'tiled:B:F[:T]' fixes its tile (B = 32, 64,
 * 128, 128x64 (128 rows by 64 columns) or auto), the workgroup count it fills (F; 0: no split-K) and optionally the tile count below which
 * it splits K (T) and its K step (':k8', ':k16' or ':k32'; where longer than the tile's default
 * and it divides the channels and fits workgroup memory), e.g. 'tiled:64:512', 'tiled:auto:0',
 * 'tiled:auto:1024:1024' or 'tiled:32:0:k32', then ':anyk' to let it take forward convolutions
 * whose channels suit no K step (over the flattened K, e.g. a 3-channel first layer), and ':1buf'
 * for one tile buffer instead of two.
 */
export function parseGemmKnob(text: string): Omit<GemmProfile, 'cpuEmulated'> {
  const t = text.trim();
  if (t === 'direct') return { direct: true };
  const m = /^tiled:(32|64|128|128x64|auto):(\d+)(?::(\d+))?(?::k(8|16|32))?(:anyk)?(:1buf)?$/.exec(t);
  if (m) {
    const tiled: Omit<GemmProfile, 'cpuEmulated'> = {
      tiledBlock: m[1] === 'auto' ? undefined : m[1] === '128x64' ? 128 : (Number(m[1]) as 32 | 64 | 128),
      fillWorkgroups: Number(m[2]),
      singleBuffer: m[6] !== undefined,
    };
    if (m[5] !== undefined) tiled.tiledAnyK = true;
    if (m[1] === '128x64') tiled.tiledBlockN = 64;
    if (m[3] !== undefined) tiled.splitBelow = Number(m[3]);
    if (m[4] !== undefined) tiled.tiledK = Number(m[4]) as 8 | 16 | 32;
    return tiled;
  }
  return { tiling: parseTiling(t) };
}

/** Checks a fixed tiling: blocks of 1–16 rows and 1–4 vec4 columns, at most 256 invocations. */
export function checkTiling(t: Tiling): Tiling {
  const ok =
    [1, 2, 4, 8, 16].includes(t.RM) && [1, 2, 4].includes(t.CN) && Number.isInteger(t.WX) && Number.isInteger(t.WY) && t.WX >= 1 && t.WY >= 1 && t.WX * t.WY <= 256;
  if (!ok) {
    throw new Error(`GEMM tiling ${t.RM}x${t.CN}/${t.WX}x${t.WY}: RM must be 1, 2, 4, 8 or 16, CN 1, 2 or 4, and WX·WY at most 256`);
  }
  return t;
}

/** Parses 'RMxCN/WXxWY' (e.g. '8x2/16x16'), the form benchmarks take the knob in. */
export function parseTiling(text: string): Tiling {
  const m = /^(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`GEMM tiling '${text}': expected RMxCN/WXxWY (e.g. 8x2/16x16), 'direct' or tiled:32|64|128|128x64|auto:FILL[:SPLIT_BELOW][:k8|k16|k32][:anyk][:1buf] (e.g. tiled:64:512)`);
  return checkTiling({ RM: Number(m[1]), CN: Number(m[2]), WX: Number(m[3]), WY: Number(m[4]) });
}

/**
 * Block and workgroup shape for an M×N output: the tallest block (most reuse of each B load)
 * that still leaves enough workgroups to keep every core busy. On llvmpipe, where each extra
 * accumulator is cheap next to a gathered load, 16×8 blocks measured 1.5–2× faster than 4×8 on
 * VGG-sized convolutions; GPUs stop at 8×8 (register pressure). Short M (dense layers at batch 1)
 * gets one row per invocation and one row of invocations per workgroup, so that no invocation
 * computes clamped duplicate rows. Few distinct shapes on purpose: each is a pipeline to compile.
 *
 * On GPUs, kernels that cannot split K (`splitK` false: the direct convolutions, which real GPUs
 * use for channel counts the tiled kernel does not take, such as VGG's 3-channel first layer)
 * get workgroups no wider than the output's column groups and blocks down to one row: a 16-wide
 * workgroup over 3 columns (that layer's input gradient) left 15/16 of the invocations idle, and
 * the narrower shapes measured 1.2–1.8× faster on an H200. Kernels that can split K keep the
 * 16×16 workgroups and blocks of at least 4 rows (one-row blocks made the filter gradient 1.3–3.2×
 * slower there) and reach enough workgroups by splitting K instead.
 */
export function chooseTiling(M: number, N: number, profile: GemmProfile, splitK: boolean): Tiling {
  const { cpuEmulated } = profile;
  const CN = N >= 8 ? 2 : 1;
  const threads = cpuEmulated ? 64 : 256;
  if (M < 4) return { RM: 1, CN, WX: threads, WY: 1 };
  if (M < 16) return { RM: 4, CN, WX: threads, WY: 1 };
  if (profile.tiling) return profile.tiling;
  if (!cpuEmulated && !splitK) {
    const groups = Math.ceil(N / (4 * CN));
    const WX = Math.min(16, 2 ** Math.ceil(Math.log2(groups)));
    const WY = threads / WX;
    const colBlocks = Math.ceil(N / (4 * CN * WX));
    for (const RM of [8, 4, 2]) {
      if (Math.ceil(M / (RM * WY)) * colBlocks >= 128) return { RM, CN, WX, WY };
    }
    return { RM: 1, CN, WX, WY };
  }
  const WY = cpuEmulated ? 8 : 16;
  const WX = threads / WY;
  const colBlocks = Math.ceil(N / (4 * CN * WX));
  const target = cpuEmulated ? 32 : 128;
  for (const RM of cpuEmulated ? [16, 8] : [8]) {
    if (Math.ceil(M / (RM * WY)) * colBlocks >= target) return { RM, CN, WX, WY };
  }
  return { RM: 4, CN, WX, WY };
}

/** Number of K segments (split-K) so that enough workgroups exist to fill the device. */
export function chooseSplitK(workgroups: number, K: number, profile: GemmProfile): { S: number; kSeg: number } {
  const target = profile.cpuEmulated ? 8 : 128;
  const minSegment = 256;
  if (workgroups >= target || K < 2 * minSegment) return { S: 1, kSeg: roundUp4(K) };
  const S = Math.min(Math.ceil(target / workgroups), Math.floor(K / minSegment), 64);
  const kSeg = roundUp4(Math.ceil(K / S));
  return { S: Math.ceil(K / kSeg), kSeg };
}

function roundUp4(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

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
