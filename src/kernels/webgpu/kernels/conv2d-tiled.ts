/**
 * The implicit GEMM of conv2d and conv2dBackpropInput (see conv2d.ts) for real GPUs, staged
 * through workgroup memory. The direct kernel of conv2d.ts reads every operand straight from
 * storage; on an H200 it reached 3.4–17 TFLOP/s on VGG's forward convolutions at batch 8 but
 * 0.9–7.7 at batch 1 (first layer aside), where too few workgroups exist to fill the GPU's 132
 * multiprocessors and each invocation's loads wait on memory with nothing else to run.
 *
 * Here a 16×16 workgroup computes a BM×BN output tile (64×64 or 128×128, or 128×64 on request;
 * an 8×8 workgroup for the 32×32 tiles a GEMM choice may ask for). Per step along K it copies a BM×BK tile of
 * A (the gathered input pixels, zero where the tap falls in the padding) and a BK×BN tile of the
 * filter into workgroup memory, each invocation one vec4 of each (or L of each with the longer
 * steps a GEMM choice may ask for: fewer barriers), and then every invocation multiplies TM rows by
 * TN columns out of workgroup memory. There are two tile buffers: while
 * the invocations multiply out of one, the next step's vec4s (fetched into registers before)
 * go into the other, so memory latency overlaps arithmetic and one barrier per step suffices.
 * An invocation owns rows ty·4 … ty·4+3 of each band of 4·WG rows (and columns tx·4 … of each
 * such band of columns), so the WG invocations of a row read consecutive vec4s: no bank conflicts.
 *
 * Each K step lies inside one filter tap (the reduced channel count is a multiple of BK), so the
 * padding test is per row and step. Channel counts no step divides (a 3-channel first layer)
 * can instead step over the flattened K (tap, channel) with scalar loads of A, each element
 * decoding its own tap (`flatK`, forward only, where the choice asks for it). Where the output has too
 * few tiles to fill the device, K is split into segments written as partial sums that a second
 * kernel adds, with bias and ReLU (split-K, split-finish.ts). A 1×1 convolution over one image
 * is a matrix product: matmul.ts sends non-transposed products here as that.
 */
import type { GpuExecutor, Operand } from '../executor.js';
import type { GpuStorage } from '../gpu-storage.js';
import { rowGrid } from './conv-geometry.js';
import type { TiledPlan } from '../gemm-shapes.js';
import { finishSplit } from './split-finish.js';
import { range } from './register-block.js';

export type Direction = 'forward' | 'backpropInput';

export interface TiledOperands {
  A: GpuStorage;
  F: GpuStorage;
  bias: GpuStorage | null;
  out: GpuStorage;
}

/** One tiled dispatch: `geometry` and the offsets are those of conv2d.ts's dispatch. */
export interface TiledDispatch {
  kernel: string;
  label: string;
  v: { dir: Direction; bias: boolean; relu: boolean; unitStride: boolean };
  plan: TiledPlan;
  s: TiledOperands;
  M: number;
  N: number;
  geometry: [string, number, ('u32' | 'i32')?][];
  offs: { a: number; f: number; bias: number; out: number };
}

/** Dispatches the tiled kernel (and with split-K the summing kernel). */
export function dispatchTiled(ex: GpuExecutor, d: TiledDispatch): void {
  const { kernel, label, v, plan, s, M, N, geometry, offs } = d;
  const split = plan.S > 1;
  const dst = split ? ex.alloc(plan.S * M * N) : s.out;
  const operands: Operand[] = [
    { name: 'A', storage: s.A, type: plan.flatK ? 'f32' : 'vec4' },
    { name: 'F', storage: s.F, type: 'vec4' },
  ];
  const fuseBias = v.bias && !split;
  if (fuseBias) operands.push({ name: 'bias', storage: s.bias!, type: 'vec4' });
  operands.push({ name: 'out', storage: dst, type: 'vec4', write: true });
  const gx = Math.ceil(N / plan.BN);
  const [gy, gz] = split ? [Math.ceil(M / plan.BM), plan.S] : rowGrid(Math.ceil(M / plan.BM), ex.limits.maxComputeWorkgroupsPerDimension);
  const body = { ...v, bias: fuseBias, relu: v.relu && !split, split };
  ex.dispatch({
    kernel,
    label,
    variant: `tiled|${v.dir}|b${+body.bias}r${+body.relu}u${+v.unitStride}s${+split}k${+plan.flatK}|${plan.BM}x${plan.BN}x${plan.BK}x${plan.buffers}`,
    operands,
    params: [
      ['M', M],
      ['N', N],
      ...geometry,
      ['aOff', offs.a >>> 0],
      ['fOff', offs.f >>> 0],
      ['biasOff', offs.bias >>> 0],
      ['outOff', split ? 0 : offs.out >>> 0],
      ['steps', plan.steps],
      ['stepsPerSeg', plan.stepsPerSegment],
    ],
    workgroups: [gx, gy, gz],
    loopIterations: plan.stepsPerSegment + 1,
    body: () => tiledWgsl(body, plan),
  });
  if (split) finishSplit(ex, { kernel, label, partials: dst, s, S: plan.S, M, N, v: { ...v, vecOut: true }, offs });
}

function tiledWgsl(v: { dir: Direction; bias: boolean; relu: boolean; unitStride: boolean; split: boolean }, plan: TiledPlan): string {
  const { BM, BN, BK, WG } = plan;
  const fwd = v.dir === 'forward';
  const TM = BM / WG;
  const TN = BN / WG;
  const bandsM = range(TM / 4);
  const bandsN = range(TN / 4);
  const copiesA = range(plan.LA);
  const copiesB = range(plan.LB);
  const KC = fwd ? 'p.Cin' : 'p.Cout';
  const kv = BK / 4; // vec4s per tile row of A
  // Copy l of this invocation: A row arow_l (fixed for the whole K loop), and where it reads from.
  const rowSetup = (l: number): string =>
    fwd
      ? `let img_${l} = am_${l} / (p.OH * p.OW); let pix_${l} = am_${l} - img_${l} * p.OH * p.OW;
  let oh_${l} = pix_${l} / p.OW; let ow_${l} = pix_${l} - oh_${l} * p.OW;
  let y0_${l} = i32(oh_${l} * p.sh) - p.pt; let x0_${l} = i32(ow_${l} * p.sw) - p.pl; let abase_${l} = img_${l} * p.H * p.W;`
      : `let img_${l} = am_${l} / (p.H * p.W); let pix_${l} = am_${l} - img_${l} * p.H * p.W;
  let hh_${l} = pix_${l} / p.W; let ww_${l} = pix_${l} - hh_${l} * p.W;
  let y0_${l} = i32(hh_${l}) + p.pt; let x0_${l} = i32(ww_${l}) + p.pl; let abase_${l} = img_${l} * p.OH * p.OW;`;
  const tapTest = (l: number): string =>
    fwd
      ? `let ty_${l} = y0_${l} + i32(ky * p.dh); let tx_${l} = x0_${l} + i32(kx * p.dw);
    let ok_${l} = arow_ok_${l} && ty_${l} >= 0 && ty_${l} < i32(p.H) && tx_${l} >= 0 && tx_${l} < i32(p.W);
    let ao_${l} = p.aOff + select(0u, (abase_${l} + u32(ty_${l}) * p.W + u32(tx_${l})) * p.Cin, ok_${l});`
      : v.unitStride
        ? `let oy_${l} = y0_${l} - i32(ky * p.dh); let ox_${l} = x0_${l} - i32(kx * p.dw);
    let ok_${l} = arow_ok_${l} && oy_${l} >= 0 && ox_${l} >= 0 && oy_${l} < i32(p.OH) && ox_${l} < i32(p.OW);
    let ao_${l} = p.aOff + select(0u, (abase_${l} + u32(oy_${l}) * p.OW + u32(ox_${l})) * p.Cout, ok_${l});`
        : `let sy_${l} = y0_${l} - i32(ky * p.dh); let sx_${l} = x0_${l} - i32(kx * p.dw);
    let oy_${l} = sy_${l} / i32(p.sh); let ox_${l} = sx_${l} / i32(p.sw);
    let ok_${l} = arow_ok_${l} && sy_${l} >= 0 && sx_${l} >= 0 && oy_${l} * i32(p.sh) == sy_${l} && ox_${l} * i32(p.sw) == sx_${l} && oy_${l} < i32(p.OH) && ox_${l} < i32(p.OW);
    let ao_${l} = p.aOff + select(0u, (abase_${l} + u32(oy_${l}) * p.OW + u32(ox_${l})) * p.Cout, ok_${l});`;
  // The filter vec4 of copy l for the step: forward w[tap, kc0 + bk, n] along n; backward
  // w[tap, n, kc0 + bk …] along the reduced channels.
  const loadB = (l: number): string =>
    fwd
      ? `let fi_${l} = p.fOff + (tap * p.Cin + kc0 + bk_${l}) * p.Cout + min(bn_${l}, p.N - 4u);
    b_next_${l} = select(vec4<f32>(0.0), F_ld4(fi_${l} >> 2u), bn_${l} < p.N);`
      : `let fi_${l} = p.fOff + (tap * p.Cin + min(bn_${l}, p.N - 1u)) * p.Cout + kc0 + bk_${l};
    b_next_${l} = select(vec4<f32>(0.0), F_ld4(fi_${l} >> 2u), bn_${l} < p.N);`;
  // Where copy l's B vec4 goes: forward one vec4 of row bk; backward 4 components of column bn,
  // one per k. `buf`: a WGSL expression for which of the (one or two) tile buffers to use.
  const aTile = (BK * BM) / 4;
  const bTile = (BK * BN) / 4;
  const storeB = (buf: string): string =>
    copiesB
      .map((l) =>
        fwd
          ? `Bs[${buf} * ${bTile}u + bk_${l} * ${BN / 4}u + (bn_${l} - n0) / 4u] = b_next_${l};`
          : range(4)
              .map((q) => `Bs[${buf} * ${bTile}u + (bk_${l} + ${q}u) * ${BN / 4}u + (bn_${l} - n0) / 4u][(bn_${l} - n0) % 4u] = b_next_${l}[${q}];`)
              .join('\n    '),
      )
      .join('\n    ');
  const storeA = (buf: string): string =>
    copiesA
      .flatMap((l) => range(4).map((q) => `As[${buf} * ${aTile}u + (ak_${l} + ${q}u) * ${BM / 4}u + arow_${l} / 4u][arow_${l} % 4u] = a_next_${l}[${q}];`))
      .join('\n    ');
  // Loads step `step` of this invocation's A and filter vec4s into a_next_l and b_next_l (one
  // tap for all copies: a step lies inside one tap).
  const fetch = (step: string): string => (plan.flatK ? fetchFlat(step) : fetchInTap(step));
  // Flattened K (forward): element q of copy l is k = step·BK + ak_l + q, its own tap and channel;
  // past K (the last step's tail) it reads zero, as do the filter rows past K.
  const fetchFlat = (step: string): string => `{
    let k0 = (${step}) * ${BK}u;
    ${copiesA
      .map(
        (l) => range(4)
          .map(
            (q) => `{
      let k = k0 + ak_${l} + ${q}u; let tap = k / p.Cin; let c = k - tap * p.Cin;
      let ky = tap / p.KW; let kx = tap - ky * p.KW;
      let ty = y0_${l} + i32(ky * p.dh); let tx = x0_${l} + i32(kx * p.dw);
      let ok = arow_ok_${l} && k < kTotal && ty >= 0 && ty < i32(p.H) && tx >= 0 && tx < i32(p.W);
      a_next_${l}[${q}] = select(0.0, A_ld(p.aOff + select(0u, (abase_${l} + u32(ty) * p.W + u32(tx)) * p.Cin + c, ok)), ok);
    }`,
          )
          .join('\n    '),
      )
      .join('\n    ')}
    ${copiesB
      .map(
        (l) => `{ let kb = k0 + bk_${l}; let fi = p.fOff + min(kb, kTotal - 1u) * p.Cout + min(bn_${l}, p.N - 4u);
      b_next_${l} = select(vec4<f32>(0.0), F_ld4(fi >> 2u), bn_${l} < p.N && kb < kTotal); }`,
      )
      .join('\n    ')}
  }`;
  const fetchInTap = (step: string): string => `{
    let st = ${step};
    let tap = st / kSteps; let kc0 = (st - tap * kSteps) * ${BK}u;
    let ky = tap / p.KW; let kx = tap - ky * p.KW;
    ${copiesA.map((l) => `${tapTest(l)}\n    a_next_${l} = select(vec4<f32>(0.0), A_ld4((ao_${l} + kc0 + ak_${l}) >> 2u), ok_${l});`).join('\n    ')}
    ${copiesB.map(loadB).join('\n    ')}
  }`;
  const accDecl = bandsM
    .flatMap((i) => range(4).flatMap((r) => bandsN.map((j) => `var acc_${i}_${r}_${j} = vec4<f32>(0.0);`)))
    .join('\n  ');
  const inner = (buf: string): string =>
    range(BK)
    .map((kk) => {
      const loads = [
        ...bandsM.map((i) => `let a_${i} = As[${buf} * ${aTile}u + ${(kk * BM) / 4 + i * WG}u + lid.y];`),
        ...bandsN.map((j) => `let b_${j} = Bs[${buf} * ${bTile}u + ${(kk * BN) / 4 + j * WG}u + lid.x];`),
      ];
      const fmas = bandsM.flatMap((i) =>
        range(4).flatMap((r) => bandsN.map((j) => `acc_${i}_${r}_${j} = fma(vec4<f32>(a_${i}[${r}]), b_${j}, acc_${i}_${r}_${j});`)),
      );
      return `{\n      ${loads.concat(fmas).join('\n      ')}\n    }`;
    })
    .join('\n    ');
  const stores = bandsM
    .flatMap((i) =>
      range(4).flatMap((r) =>
        bandsN.map((j) => {
          const m = `m0 + ${i * 4 * WG + r}u + lid.y * 4u`;
          const n = `n0 + ${j * 4 * WG}u + lid.x * 4u`;
          let val = `acc_${i}_${r}_${j}`;
          if (v.bias) val = `${val} + bias_ld4((p.biasOff + ${n}) >> 2u)`;
          if (v.relu) val = `max(${val}, vec4<f32>(0.0))`;
          return `{ let m = ${m}; let n = ${n}; if (m < p.M && n < p.N) { out_st4((p.outOff + seg * p.M * p.N + m * p.N + n) >> 2u, ${val}); } }`;
        }),
      ),
    )
    .join('\n  ');
  // Copy l covers vec4 number li + l·WG² of each tile: of A row arow_l, channels ak_l … ak_l+3;
  // of the filter row bk_l, columns bn_l … bn_l+3 (forward) or column bn_l, k-channels bk_l … bk_l+3.
  const copyIndex = (l: number): string => (l === 0 ? 'li' : `li + ${l * WG * WG}u`);
  const copySetup = [
    ...copiesA.map(
      (l) => `let arow_${l} = (${copyIndex(l)}) / ${kv}u; let ak_${l} = ((${copyIndex(l)}) % ${kv}u) * 4u;
  let am_raw_${l} = m0 + arow_${l}; let arow_ok_${l} = am_raw_${l} < p.M; let am_${l} = min(am_raw_${l}, p.M - 1u);
  ${rowSetup(l)}
  var a_next_${l} = vec4<f32>(0.0);`,
    ),
    ...copiesB.map(
      (l) => `${
        fwd
          ? `let bk_${l} = (${copyIndex(l)}) / ${BN / 4}u; let bn_${l} = n0 + ((${copyIndex(l)}) % ${BN / 4}u) * 4u;`
          : `let bn_${l} = n0 + (${copyIndex(l)}) / ${kv}u; let bk_${l} = ((${copyIndex(l)}) % ${kv}u) * 4u;`
      }
  var b_next_${l} = vec4<f32>(0.0);`,
    ),
  ].join('\n  ');

  return `
var<workgroup> As: array<vec4<f32>, ${plan.buffers * aTile}>;
var<workgroup> Bs: array<vec4<f32>, ${plan.buffers * bTile}>;
@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  ${v.split ? 'let seg = wid.z; let m0 = wid.y * ' + BM + 'u;' : 'let seg = 0u; let m0 = (wid.y + wid.z * nwg.y) * ' + BM + 'u;'}
  let n0 = wid.x * ${BN}u;
  ${copySetup}
  let kSteps = ${KC} / ${BK}u;
  let kTotal = p.KH * p.KW * ${KC};
  let sBegin = seg * p.stepsPerSeg;
  let sEnd = min(sBegin + p.stepsPerSeg, p.steps);
  ${accDecl}
  // Fetch step s into a_next_l, b_next_l.
  var s = sBegin;
  ${fetch('s')}
  ${
    plan.buffers === 2
      ? `// Two tile buffers: step s is read from one while step s + 1 is written to the other, so
  // one barrier per step suffices (the next step's writes go to the buffer the last step read,
  // which every invocation finished with before that step's barrier).
  ${storeA('0u')}
  ${storeB('0u')}
  workgroupBarrier();
  var buf = 0u;
  loop {
    if (s >= sEnd) { break; }
    let more = s + 1u < sEnd;
    if (more) { ${fetch('s + 1u')} }
    ${inner('buf')}
    if (more) {
    ${storeA('(buf ^ 1u)')}
    ${storeB('(buf ^ 1u)')}
    }
    workgroupBarrier();
    buf ^= 1u;
    s += 1u;
  }`
      : `loop {
    if (s >= sEnd) { break; }
    ${storeA('0u')}
    ${storeB('0u')}
    workgroupBarrier();
    if (s + 1u < sEnd) { ${fetch('s + 1u')} }
    ${inner('0u')}
    workgroupBarrier();
    s += 1u;
  }`
  }
  ${stores}
}`;
}
