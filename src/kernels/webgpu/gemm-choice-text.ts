/**
 * The one textual spelling of a GemmChoice, for human-facing benchmark flags (bench/tune-gemm.ts
 * --tilings, bench/compare-tfjs.ts --gemm-tiling, scripts/bench-kit): `formatGemmChoice` and
 * `parseGemmChoice` are inverses. Code and tuning tables use the typed value, never this text.
 *
 *   auto                     the backend's own plan
 *   direct                   the direct kernels, their own block
 *   RMxCN/WXxWY              the direct kernels with that block, e.g. 8x2/16x16
 *   tiled:TILE:FILL[:SPLIT_BELOW][:kSTEP][:anyk][:1buf]
 *                            the workgroup-memory kernel: TILE 32, 64, 128, 128x64 or auto; FILL
 *                            workgroups for split-K (0: none); e.g. tiled:32:0:k32, tiled:auto:1024:1024
 */
import { checkTiling, type GemmChoice, type TileShape } from './gemm-choice.js';

export const GEMM_CHOICE_SYNTAX = 'auto, direct, RMxCN/WXxWY (e.g. 8x2/16x16) or tiled:32|64|128|128x64|auto:FILL[:SPLIT_BELOW][:k8|k16|k32][:anyk][:1buf] (e.g. tiled:64:512)';

export function formatGemmChoice(c: GemmChoice): string {
  if (c.family === 'auto') return 'auto';
  if (c.family === 'direct') return c.block ? `${c.block.RM}x${c.block.CN}/${c.block.WX}x${c.block.WY}` : 'direct';
  const tile = !c.tile ? 'auto' : c.tile.rows === c.tile.cols ? `${c.tile.rows}` : `${c.tile.rows}x${c.tile.cols}`;
  const parts = ['tiled', tile, `${c.fillWorkgroups}`];
  if (c.splitBelow !== undefined) parts.push(`${c.splitBelow}`);
  if (c.kStep !== undefined) parts.push(`k${c.kStep}`);
  if (c.flatK) parts.push('anyk');
  if (c.buffers === 1) parts.push('1buf');
  return parts.join(':');
}

const TILE_TEXT: Record<string, TileShape | undefined> = {
  auto: undefined,
  '32': { rows: 32, cols: 32 },
  '64': { rows: 64, cols: 64 },
  '128': { rows: 128, cols: 128 },
  '128x64': { rows: 128, cols: 64 },
};

const isCount = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/** Parses the spelling above; throws, quoting the text and the syntax, where it is not one. */
export function parseGemmChoice(text: string): GemmChoice {
  const t = text.trim();
  const bad = (): never => {
    throw new Error(`GEMM choice '${text}': expected ${GEMM_CHOICE_SYNTAX}`);
  };
  if (t === 'auto') return { family: 'auto' };
  if (t === 'direct') return { family: 'direct' };
  const block = /^(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(t);
  if (block) return { family: 'direct', block: checkTiling({ RM: +block[1]!, CN: +block[2]!, WX: +block[3]!, WY: +block[4]! }) };
  const [head, tile, fill, ...rest] = t.split(':');
  if (head !== 'tiled' || tile === undefined || !(tile in TILE_TEXT) || !isCount(fill)) return bad();
  const c: GemmChoice & { family: 'tiled' } = { family: 'tiled', fillWorkgroups: Number(fill) };
  const shape = TILE_TEXT[tile];
  if (shape) c.tile = shape;
  // The optional parts, each at most once and in this order.
  const order = ['split', 'k', 'anyk', '1buf'];
  let at = 0;
  for (const part of rest) {
    const kind = isCount(part) ? 'split' : /^k\d+$/.test(part) ? 'k' : part;
    const i = order.indexOf(kind);
    if (i < at) return bad();
    at = i + 1;
    if (kind === 'split') c.splitBelow = Number(part);
    else if (kind === 'k') {
      const k = Number(part.slice(1));
      if (k !== 8 && k !== 16 && k !== 32) return bad();
      c.kStep = k;
    } else if (kind === 'anyk') c.flatK = true;
    else c.buffers = 1;
  }
  return c;
}
