/**
 * The binary encodings the builder emits (WebAssembly core spec 2.0, section 5, plus the
 * relaxed-SIMD proposal). Only what generated kernels need; add an opcode here, with its spec
 * number, when a kernel needs it.
 */

/** Value types. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Section ids, in the order sections must appear. */
export const Section = { type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10 } as const;

/** Import and export kinds. */
export const ExternKind = { func: 0x00, table: 0x01, memory: 0x02, global: 0x03 } as const;

/** Single-byte instructions. */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  f32_load: 0x2a,
  i32_store: 0x36,
  f32_store: 0x38,
  i32_const: 0x41,
  f32_const: 0x43,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f32_max: 0x97,
} as const;

/** The prefix of SIMD instructions; each is followed by its sub-opcode as unsigned LEB128. */
export const SIMD_PREFIX = 0xfd;

/** SIMD128 sub-opcodes (spec 2.0 section 5.4.8), and relaxed SIMD's (proposal, 0x100 up). */
export const SimdOp = {
  v128_load: 0x00,
  v128_store: 0x0b,
  v128_const: 0x0c,
  f32x4_splat: 0x13,
  f32x4_extract_lane: 0x1f,
  f32x4_replace_lane: 0x20,
  i32x4_splat: 0x11,
  i32x4_eq: 0x37,
  // (a & c) | (b & ~c) for [a, b, c]
  v128_bitselect: 0x52,
  f32x4_eq: 0x41,
  f32x4_lt: 0x43,
  f32x4_gt: 0x44,
  f32x4_ge: 0x46,
  v128_and: 0x4e,
  // a & ~b
  v128_andnot: 0x4f,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  // NaN-propagating, and -0 < +0 (as Math.min; f32x4_max, below, as Math.max).
  f32x4_min: 0xe8,
  // a·b + c, fused or not at the engine's choice (one rounding on FMA hardware, two otherwise).
  f32x4_relaxed_madd: 0x105,
  // Appended for the convolution kernels.
  v128_load32_splat: 0x09,
  f32x4_max: 0xe9,
} as const;

/** Block type of a block, loop or if that takes and leaves nothing. */
export const EMPTY_BLOCK = 0x40;
