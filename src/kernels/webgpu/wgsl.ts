/**
 * WGSL code generation shared by the kernels: the parameter block, operand declarations with
 * chunk-aware accessors, and the flat workgroup index used by one-dimensional kernels.
 *
 * Every operand `x` gets accessors whatever its chunking, so kernel bodies never see chunks:
 *   f32 operands:  x_ld(i) -> f32,  x_st(i, v)
 *   vec4 operands: x_ld4(i4) -> vec4<f32>, x_st4(i4, v) (i4 counts vec4s), and x_ld(i) for scalars.
 * With one chunk an accessor is a plain array access; with several it switches on i / chunk size.
 */

export type ElemType = 'f32' | 'vec4';
export type ParamType = 'u32' | 'i32' | 'f32';

export interface OperandLayout {
  name: string;
  chunks: number;
  type: ElemType;
  write: boolean;
}

/** `struct Params { … }` bound at binding 0 as the uniform `p`. */
export function paramsDecl(fields: readonly (readonly [string, ParamType])[]): string {
  // An empty struct is not valid WGSL; a dummy field keeps parameterless kernels uniform.
  const body = fields.length > 0 ? fields.map(([n, t]) => `  ${n}: ${t},`).join('\n') : '  unused_: u32,';
  return `struct Params {\n${body}\n}\n@group(0) @binding(0) var<uniform> p: Params;\n`;
}

/** Declarations and accessors of the operands, bound from binding 1 on, one binding per chunk. */
export function operandDecls(ops: readonly OperandLayout[], chunkElems: number): string {
  let binding = 1;
  const out: string[] = [];
  for (const op of ops) {
    const access = op.write ? 'read_write' : 'read';
    const arrayType = op.type === 'vec4' ? 'array<vec4<f32>>' : 'array<f32>';
    const n = Math.max(1, op.chunks);
    for (let c = 0; c < n; c++) {
      out.push(`@group(0) @binding(${binding++}) var<storage, ${access}> ${op.name}_c${c}: ${arrayType};`);
    }
    out.push(accessors(op, n, chunkElems));
  }
  return out.join('\n') + '\n';
}

function accessors(op: OperandLayout, n: number, chunkElems: number): string {
  const x = op.name;
  const vec = op.type === 'vec4';
  const elemT = vec ? 'vec4<f32>' : 'f32';
  // Index unit of the underlying array: vec4s for vec4 operands.
  const unitsPerChunk = vec ? chunkElems / 4 : chunkElems;
  const ld = vec ? `${x}_ld4` : `${x}_ld`;
  const st = vec ? `${x}_st4` : `${x}_st`;
  const lines: string[] = [];
  if (n === 1) {
    lines.push(`fn ${ld}(i: u32) -> ${elemT} { return ${x}_c0[i]; }`);
    if (op.write) lines.push(`fn ${st}(i: u32, v: ${elemT}) { ${x}_c0[i] = v; }`);
  } else {
    const cases = (body: (c: number) => string): string =>
      Array.from({ length: n }, (_, c) => (c === n - 1 ? `default: { ${body(c)} }` : `case ${c}u: { ${body(c)} }`)).join(' ');
    const split = `let c = i / ${unitsPerChunk}u; let j = i - c * ${unitsPerChunk}u;`;
    lines.push(`fn ${ld}(i: u32) -> ${elemT} { ${split} switch c { ${cases((c) => `return ${x}_c${c}[j];`)} } }`);
    if (op.write) lines.push(`fn ${st}(i: u32, v: ${elemT}) { ${split} switch c { ${cases((c) => `${x}_c${c}[j] = v;`)} } }`);
  }
  if (vec) lines.push(`fn ${x}_ld(i: u32) -> f32 { return ${x}_ld4(i >> 2u)[i & 3u]; }`);
  return lines.join('\n');
}

/** Flat index of the workgroup in a 2-D grid (grids wrap at maxComputeWorkgroupsPerDimension). */
export const FLAT_WORKGROUP = `fn flat_wg(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }\n`;

/** Standard entry point header of a one-element-per-invocation kernel of `size` elements. */
export function flatEntry(workgroupSize: number): string {
  return (
    `@compute @workgroup_size(${workgroupSize})\n` +
    `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ` +
    `@builtin(local_invocation_index) lid: u32)`
  );
}

/** `let gid = …;` for flatEntry kernels. */
export function flatIndex(workgroupSize: number): string {
  return `let gid = flat_wg(wid, nwg) * ${workgroupSize}u + lid;`;
}

/**
 * Head of a kernel with one invocation per `lanes` consecutive channels of an NHWC tensor of
 * `p.count` groups: defines `gid`, `e` (the group's first element), `c` (its channel) and `pixel`
 * (n·H·W + h·W + w of whichever shape the kernel walks), and returns past the end. Ends inside
 * `main`'s body: the kernel continues it and closes the brace.
 */
export function channelGroupsMain(workgroupSize: number, lanes: number): string {
  return `${FLAT_WORKGROUP}
${flatEntry(workgroupSize)} {
  ${flatIndex(workgroupSize)}
  if (gid >= p.count) { return; }
  let e = gid * ${lanes}u;
  let c = e % p.C;
  let pixel = e / p.C;`;
}

/**
 * Helpers every shader gets. Infinity and NaN cannot be written as WGSL constants (a constant
 * expression that overflows is a compile error), so they are read from private variables.
 */
export const PRELUDE = `var<private> inf_bits_: u32 = 0x7f800000u;
var<private> nan_bits_: u32 = 0x7fc00000u;
fn f32_inf() -> f32 { return bitcast<f32>(inf_bits_); }
fn f32_nan() -> f32 { return bitcast<f32>(nan_bits_); }
`;

/** A float literal WGSL accepts for any value, infinities and NaN included (needs PRELUDE). */
export function f32Literal(v: number): string {
  if (Number.isNaN(v)) return 'f32_nan()';
  if (v === Infinity) return 'f32_inf()';
  if (v === -Infinity) return '(-f32_inf())';
  const s = String(Math.fround(v));
  return /[.eE]/.test(s) ? `f32(${s})` : `f32(${s}.0)`;
}
