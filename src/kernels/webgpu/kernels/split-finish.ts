/**
 * The second half of split-K for the convolution kernels: K was cut into S segments, each
 * written as a partial output [S, M, N]; this adds them and applies the bias and ReLU the
 * segments left out, writing the result where the op's output lives (at its window offset).
 * vec4 when the output's columns allow it (the tiled kernel's are always multiples of 4), one
 * element per invocation otherwise (the direct kernel's 3-column input gradient of VGG's first layer).
 */
import type { GpuExecutor, Operand } from '../executor.js';
import type { GpuStorage } from '../gpu-storage.js';
import { FLAT_WORKGROUP, flatEntry } from '../wgsl.js';

const FINISH_WG = 256;

export interface SplitSum {
  kernel: string;
  label: string;
  /** S partial outputs of M×N, one after the other. */
  partials: GpuStorage;
  s: { bias: GpuStorage | null; out: GpuStorage };
  S: number;
  M: number;
  N: number;
  v: { bias: boolean; relu: boolean; vecOut: boolean };
  offs: { bias: number; out: number };
}

/** out = act(Σ_s partial_s + bias); frees the partials. */
export function finishSplit(ex: GpuExecutor, d: SplitSum): void {
  const { kernel, label, partials, s, S, M, N, v, offs } = d;
  const vec = v.vecOut;
  const n = vec ? (M * N) / 4 : M * N;
  const operands: Operand[] = [{ name: 'part', storage: partials, type: vec ? 'vec4' : 'f32' }];
  if (v.bias) operands.push({ name: 'bias', storage: s.bias!, type: vec ? 'vec4' : 'f32' });
  operands.push({ name: 'out', storage: s.out, type: vec ? 'vec4' : 'f32', write: true });
  const [ld, st, zero] = vec ? ['part_ld4', 'out_st4', 'vec4<f32>(0.0)'] : ['part_ld', 'out_st', '0.0'];
  ex.dispatch({
    kernel,
    label: `${label} (split-K sum)`,
    variant: `split-finish|b${+v.bias}r${+v.relu}v${+vec}`,
    operands,
    params: [
      ['n', n],
      ['cols', vec ? N / 4 : N],
      ['S', S],
      // Element offsets, wrapping in u32 like every window offset (windows.ts).
      ['biasOff', offs.bias >>> 0],
      ['outOff', offs.out >>> 0],
    ],
    workgroups: ex.grid(Math.ceil(n / FINISH_WG)),
    loopIterations: S,
    body: () => `${FLAT_WORKGROUP}
${flatEntry(FINISH_WG)} {
  let i = flat_wg(wid, nwg) * ${FINISH_WG}u + lid;
  if (i >= p.n) { return; }
  var acc = ${ld}(i);
  for (var s = 1u; s < p.S; s++) { acc += ${ld}(s * p.n + i); }
  ${v.bias ? (vec ? 'acc += bias_ld4((p.biasOff + (i % p.cols) * 4u) >> 2u);' : 'acc += bias_ld(p.biasOff + i % p.cols);') : ''}
  ${v.relu ? `acc = max(acc, ${zero});` : ''}
  ${vec ? 'out_st4((p.outOff + i * 4u) >> 2u, acc);' : 'out_st(p.outOff + i, acc);'}
}`,
  });
  ex.free(partials);
}
