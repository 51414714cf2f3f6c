/**
 * LEB128, the variable-length integer encoding WebAssembly uses for every count, index, size and
 * integer immediate. Unsigned for counts, indices and SIMD sub-opcodes; signed for `i32.const`.
 * Only 32-bit values are needed: memory stays under 4 GiB (memory64 is flagged on Node 20).
 */

/** Unsigned LEB128 of an integer in [0, 2³²). */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`unsignedLeb128: ${value} is not an integer in [0, 2^32)`);
  }
  const out: number[] = [];
  // Division, not >>>, so that values ≥ 2³¹ stay positive.
  let v = value;
  do {
    const byte = v % 128;
    v = Math.floor(v / 128);
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of an integer in [−2³¹, 2³¹). */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new RangeError(`signedLeb128: ${value} is not an integer in [-2^31, 2^31)`);
  }
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    // Done once the rest is pure sign extension of the byte's top bit (bit 6).
    const signBit = (byte & 0x40) !== 0;
    if ((v === 0 && !signBit) || (v === -1 && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
