/**
 * What may be chosen for a GEMM-shaped op (matmul, conv2d and its two gradients) independently of
 * its shape: the family of kernels and the settings that family takes. This is what the
 * autotuner tries (gemm-autotune.ts), what a tuning table stores per problem (JSON, see
 * gemm-tuning-table.ts) and what benchmarks force; gemm-plan.ts turns it, with the problem's
 * shape and the device, into the plan a kernel runs. Plain data, so that it survives JSON.
 */

/** The direct kernels' register block: RM rows × 4·CN columns per invocation, WX×WY invocations. */
export interface Tiling {
  /** Rows per invocation. */
  RM: number;
  /** vec4 columns per invocation (4·CN columns). */
  CN: number;
  /** Workgroup size along columns (x) and rows (y). */
  WX: number;
  WY: number;
}

/** Tile shapes the workgroup-memory kernel has (rows × columns of output per workgroup). */
export type TileShape = { rows: 32; cols: 32 } | { rows: 64; cols: 64 } | { rows: 128; cols: 128 } | { rows: 128; cols: 64 };

export type GemmChoice =
  /** The backend's own plan for the shape and device. */
  | { family: 'auto' }
  /**
   * The register-blocked kernels that read operands straight from storage (no workgroup memory).
   * `block` fixes their block for outputs of 16 rows or more (shorter ones keep their own, and
   * products of 1–4 rows keep the matvec kernels); without it they choose, and matvec is off too.
   */
  | { family: 'direct'; block?: Tiling }
  /** The workgroup-memory kernel (conv2d-tiled.ts) where it applies; the direct ones elsewhere. */
  | {
      family: 'tiled';
      /** Left out: 64×64, or 128×128 for wide outputs with many tiles. */
      tile?: TileShape;
      /**
       * Workgroups split-K aims for (0: never split). The direct convolutions, where they stand
       * in, then split their taps to reach it too.
       */
      fillWorkgroups: number;
      /** Split K only for outputs of fewer tiles than this (default 256). */
      splitBelow?: number;
      /** A K step longer than the tile's own (fewer barriers), where it divides the channels and fits. */
      kStep?: 8 | 16 | 32;
      /** Also take forward convolutions whose channels suit no K step, over the flattened K. */
      flatK?: boolean;
      /** Tile buffers in workgroup memory (default 2: filling one overlaps computing from the other). */
      buffers?: 1 | 2;
    };

export const AUTO: GemmChoice = { family: 'auto' };

const TILES = ['32x32', '64x64', '128x128', '128x64'];
const RM_VALUES = [1, 2, 4, 8, 16];
const CN_VALUES = [1, 2, 4];

/** Checks a register block: 1–16 rows, 1–4 vec4 columns, at most 256 invocations. */
export function checkTiling(t: Tiling): Tiling {
  const ok =
    RM_VALUES.includes(t.RM) && CN_VALUES.includes(t.CN) && Number.isInteger(t.WX) && Number.isInteger(t.WY) && t.WX >= 1 && t.WY >= 1 && t.WX * t.WY <= 256;
  if (!ok) {
    throw new Error(`GEMM block ${t.RM}x${t.CN}/${t.WX}x${t.WY}: RM must be 1, 2, 4, 8 or 16, CN 1, 2 or 4, and WX·WY at most 256`);
  }
  return t;
}

/**
 * `value` as a GemmChoice (e.g. read from JSON), or an error saying what is wrong. Only the
 * fields of its family are kept, so that equal choices compare equal.
 */
export function checkGemmChoice(value: unknown): GemmChoice {
  const v = value as Record<string, unknown> | null;
  const bad = (why: string): never => {
    throw new Error(`GEMM choice ${JSON.stringify(value)}: ${why}`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  if (v.family === 'auto') return AUTO;
  if (v.family === 'direct') {
    if (v.block === undefined) return { family: 'direct' };
    const b = v.block as Tiling;
    if (typeof b !== 'object' || b === null) return bad('block must be { RM, CN, WX, WY }');
    return { family: 'direct', block: checkTiling({ RM: b.RM, CN: b.CN, WX: b.WX, WY: b.WY }) };
  }
  if (v.family !== 'tiled') return bad("family must be 'auto', 'direct' or 'tiled'");
  const fill = v.fillWorkgroups;
  if (!(Number.isInteger(fill) && (fill as number) >= 0)) bad('fillWorkgroups must be a non-negative integer');
  const out: GemmChoice & { family: 'tiled' } = { family: 'tiled', fillWorkgroups: fill as number };
  if (v.tile !== undefined) {
    const t = v.tile as { rows?: unknown; cols?: unknown };
    if (!TILES.includes(`${t?.rows}x${t?.cols}`)) bad('tile must be 32x32, 64x64, 128x128 or 128x64 ({ rows, cols })');
    out.tile = { rows: t.rows, cols: t.cols } as TileShape;
  }
  if (v.splitBelow !== undefined) {
    if (!(Number.isInteger(v.splitBelow) && (v.splitBelow as number) >= 0)) bad('splitBelow must be a non-negative integer');
    out.splitBelow = v.splitBelow as number;
  }
  if (v.kStep !== undefined) {
    if (![8, 16, 32].includes(v.kStep as number)) bad('kStep must be 8, 16 or 32');
    out.kStep = v.kStep as 8 | 16 | 32;
  }
  if (v.flatK !== undefined) {
    if (typeof v.flatK !== 'boolean') bad('flatK must be a boolean');
    if (v.flatK) out.flatK = true;
  }
  if (v.buffers !== undefined) {
    if (v.buffers !== 1 && v.buffers !== 2) bad('buffers must be 1 or 2');
    if (v.buffers === 1) out.buffers = 1;
  }
  return out;
}
