/**
 * Batched matrix product over the last two axes, with NumPy broadcasting of the leading (batch)
 * axes. The kernel sees rank 3; this op reshapes around it.
 */
import { execute } from '../../tensor/engine.js';
import { broadcastShapes, formatShape, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { broadcastTo, sumTo } from './broadcast.js';
import { reshape } from './reshape.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const ta = !!opts.transposeA;
  const tb = !!opts.transposeB;
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: both operands need rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [m, ka] = ta ? [a.shape[a.rank - 1]!, a.shape[a.rank - 2]!] : [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [kb, n] = tb ? [b.shape[b.rank - 1]!, b.shape[b.rank - 2]!] : [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  if (ka !== kb) {
    throw new Error(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${ta ? 'ᵀ' : ''} × ${formatShape(b.shape)}${tb ? 'ᵀ' : ''} (${ka} ≠ ${kb})`,
    );
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const a3 = toRank3(a, batch);
  const b3 = toRank3(b, batch);
  const B = sizeOf(batch);
  const out3 = execute('matmul', [a3, b3], [B, m, n], (be, [ai, bi]) => be.matmul(ai!, bi!, ta, tb));
  // Recorded on the rank-3 forms (their reshapes are on the tape already), before the reshape back.
  // C = op(A)·op(B): the four transpose cases of the product rule.
  record('matmul', [a3, b3], out3, (dy, needs) =>
    cotangents(
      needs,
      () => sumTo(ta ? matmul(b3, dy, { transposeA: tb, transposeB: true }) : matmul(dy, b3, { transposeB: !tb }), a3.shape),
      () => sumTo(tb ? matmul(dy, a3, { transposeA: true, transposeB: ta }) : matmul(a3, dy, { transposeA: !ta }), b3.shape),
    ),
  );
  return reshape(out3, [...batch, m, n]);
}

/** [...batch', r, c] → [B or 1, r, c], broadcasting the batch axes when they are not all 1. */
function toRank3(x: Tensor, batch: number[]): Tensor {
  const xb = x.shape.slice(0, -2);
  const rows = x.shape[x.rank - 2]!;
  const cols = x.shape[x.rank - 1]!;
  if (sizeOf(xb) === 1) return reshape(x, [1, rows, cols]);
  const full = xb.length === batch.length && xb.every((d, i) => d === batch[i]) ? x : broadcastTo(x, [...batch, rows, cols]);
  return reshape(full, [sizeOf(batch), rows, cols]);
}
