/**
 * The WebAssembly module builder (src/kernels/wasm): its LEB128 encodings, that what it builds
 * validates, that feature detection answers what `WebAssembly.validate` says, and the generated
 * float32 matmul against the float64 CPU oracle, on both multiply-add paths (mul+add always; the
 * relaxed-SIMD FMA where the engine accepts it, which on Node 20 takes a V8 flag that the FMA
 * suite turns on). Registered by wasm-relaxed-simd.test.ts, which runs the FMA suites, exported
 * here as `fmaSuites`, after every mul+add suite, in a process of its own.
 */
import v8 from 'node:v8';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { backend, expectClose, input, readOut } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { signedLeb128, unsignedLeb128 } from '../../src/kernels/wasm/leb128.js';
import { ModuleBuilder } from '../../src/kernels/wasm/module-builder.js';
import { probeWasmFeatures, RELAXED_SIMD_PROBE, SIMD_PROBE, wasmFeatures } from '../../src/kernels/wasm/features.js';
import { instantiateMatmul, matmulModule, type MatmulKernelOptions } from '../../src/kernels/wasm/kernels/matmul.js';

describe('LEB128', () => {
  it('encodes unsigned values as the spec examples and boundaries have them', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(0x105)).toEqual([0x85, 0x02]); // f32x4.relaxed_madd's sub-opcode
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => unsignedLeb128(-1)).toThrow(RangeError);
    expect(() => unsignedLeb128(2 ** 32)).toThrow(RangeError);
  });

  it('encodes signed values, sign-extending from bit 6 of the last byte', () => {
    expect(signedLeb128(0)).toEqual([0x00]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(0x7fffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(signedLeb128(-0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(() => signedLeb128(2 ** 31)).toThrow(RangeError);
  });

  it('round-trips through a decoder, for any 32-bit value', () => {
    const decode = (bytes: number[], signed: boolean): number => {
      let result = 0n;
      let shift = 0n;
      for (const b of bytes) {
        result |= BigInt(b & 0x7f) << shift;
        shift += 7n;
      }
      if (signed && (bytes[bytes.length - 1]! & 0x40) !== 0) result -= 1n << shift;
      return Number(result);
    };
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.nat({ max: 0xffffffff }), (s, u) => {
        expect(decode(signedLeb128(s), true)).toBe(s);
        expect(decode(unsignedLeb128(u), false)).toBe(u);
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});

describe('ModuleBuilder', () => {
  it('builds a module with an exported function that runs (i32 arithmetic, locals, a loop)', () => {
    const m = new ModuleBuilder();
    // sum(n) = 0 + 1 + … + (n − 1), with a counted loop and a branch out.
    m.addFunction(['i32'], ['i32'], (f) => {
      const n = f.param(0, 'i32');
      const i = f.local('i32');
      const s = f.local('i32');
      f.forRange(i, n, 1, () => {
        f.get(s).get(i).i32Add().set(s);
      });
      f.get(s);
    }, 'sum');
    const bytes = m.build();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const sum = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['sum'] as (n: number) => number;
    expect([0, 1, 5, 100].map(sum)).toEqual([0, 0, 10, 4950]);
  });

  it('imports a memory, plain or shared, and loads, stores and extracts SIMD lanes over it', () => {
    for (const shared of [false, true]) {
      const m = new ModuleBuilder();
      m.importMemory({ module: 'env', name: 'memory', initial: 1, ...(shared ? { maximum: 2, shared: true } : {}) });
      // out[0] = Σ lanes of (x[0..4] · splat(x[4])) + 0.5, through v128 and an if/else.
      m.addFunction(['i32'], [], (f) => {
        const p = f.param(0, 'i32');
        const v = f.local('v128');
        f.get(p).v128Load().get(p).f32Load({ offset: 16 }).f32x4Splat().f32x4Mul().set(v);
        f.get(p);
        f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
        f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add().f32Add();
        f.f32Const(0.5).f32Add().f32Store({ offset: 32 });
        f.get(p).i32Load().i32Eqz().if(() => f.unreachable(), () => f.nop());
      }, 'dot');
      const bytes = m.build();
      expect(WebAssembly.validate(bytes)).toBe(true);
      const memory = new WebAssembly.Memory({ initial: 1, ...(shared ? { maximum: 2, shared: true } : {}) });
      const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports['dot'] as (p: number) => void;
      const f32 = new Float32Array(memory.buffer);
      f32.set([1, 2, 3, 4, 10], 4);
      run(16);
      expect(f32[12]).toBe(100.5);
    }
  });

  it('rejects what would build an invalid module rather than emitting it', () => {
    const m = new ModuleBuilder();
    expect(() => m.importMemory({ module: 'env', name: 'memory', initial: 1, shared: true })).toThrow(/maximum/);
    expect(() => m.addFunction([], [], (f) => f.f32Load({ align: 3 }))).toThrow(/alignment/);
    expect(() => m.addFunction(['i32'], [], (f) => f.param(0, 'f32'))).toThrow(/param 0/);
    expect(() => m.addFunction([], [], (f) => f.f32x4ExtractLane(4))).toThrow(RangeError);
    // A branch to a label whose block has closed.
    expect(() => m.addFunction([], [], (f) => {
      let stale: Parameters<Parameters<typeof f.block>[0]>[0] | undefined;
      f.block((l) => { stale = l; });
      f.br(stale!);
    })).toThrow(/not open/);
  });

  it('shares one type between functions of equal signature', () => {
    const one = new ModuleBuilder();
    one.addFunction(['i32'], ['i32'], (f) => f.get(f.param(0, 'i32')));
    const two = new ModuleBuilder();
    two.addFunction(['i32'], ['i32'], (f) => f.get(f.param(0, 'i32')));
    two.addFunction(['i32'], ['i32'], (f) => f.get(f.param(0, 'i32')));
    // The second function adds a function-section entry (1 byte) and a body (5 bytes), no type.
    expect(two.build().length - one.build().length).toBe(6);
    expect(WebAssembly.validate(two.build())).toBe(true);
  });
});

/** A float32 matmul case: shapes, and values already rounded to float32. */
interface MatmulCase {
  M: number;
  K: number;
  N: number;
  a: number[];
  b: number[];
}

const caseArb = (maxM: number, maxK: number, maxN: number): fc.Arbitrary<MatmulCase> =>
  fc
    .record({ M: fc.integer({ min: 1, max: maxM }), K: fc.integer({ min: 1, max: maxK }), N: fc.integer({ min: 1, max: maxN }) })
    .chain(({ M, K, N }) =>
      fc.record({
        M: fc.constant(M),
        K: fc.constant(K),
        N: fc.constant(N),
        a: fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: M * K, maxLength: M * K }),
        b: fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: K * N, maxLength: K * N }),
      }),
    );

/**
 * Runs the kernel on `c` with A, B and C at 4-byte (not 16-byte) aligned addresses and a guard
 * word after C, and compares with the float64 CPU backend on the same (float32) values. The bound
 * is the classical one for float32 recursive summation, so it holds for FMA and mul+add alike.
 */
function checkMatmul(c: MatmulCase, options: MatmulKernelOptions): void {
  const { M, K, N } = c;
  const floats = 1 + M * K + K * N + M * N + 1;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536) });
  const f32 = new Float32Array(memory.buffer);
  const aAt = 1;
  const bAt = aAt + M * K;
  const cAt = bAt + K * N;
  f32.set(c.a, aAt);
  f32.set(c.b, bAt);
  f32.fill(Number.NaN, cAt, cAt + M * N + 1); // every output must be written; the guard must not be
  // Two chunks split at an odd row (a thread pool's split), which must compute what one call would.
  const mm = instantiateMatmul(memory, options);
  const split = Math.min(M, 1 + 2 * Math.floor(M / 4));
  mm(4 * aAt, 4 * bAt, 4 * cAt, K, N, 0, split);
  mm(4 * aAt, 4 * bAt, 4 * cAt, K, N, split, M);
  const want = readOut(
    backend.matmul(input(c.a, [1, M, K], 'float64'), input(c.b, [1, K, N], 'float64'), false, false),
    [1, M, N],
    'float64',
  );
  const sumAbs = (i: number): number => {
    const row = Math.floor(i / N);
    const col = i % N;
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.abs(c.a[row * K + k]! * c.b[k * N + col]!);
    return s;
  };
  const eps = 2 ** -24;
  const tol = (i: number): number => (K + 2) * eps * sumAbs(i) * 1.01 + K * 2 ** -149;
  expectClose(f32.subarray(cAt, cAt + M * N), want, tol, `${M}×${K}×${N} ${options.fma ? 'fma' : 'mul+add'}`);
  expect(Number.isNaN(f32[cAt + M * N]!), 'the word after C was written').toBe(true);
}

/** Shapes around the register block (2×16, then 4-column vectors, then N mod 4 scalars). */
const FIXED: [number, number, number][] = [[1, 1, 1], [2, 3, 16], [3, 5, 17], [5, 7, 23], [4, 1, 35], [7, 19, 3], [6, 33, 20]];

function fixedCase([M, K, N]: [number, number, number], seed: number): MatmulCase {
  let x = seed;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.fround((x / 2147483648) * 4 - 2);
  };
  return { M, K, N, a: Array.from({ length: M * K }, next), b: Array.from({ length: K * N }, next) };
}

/** The FMA path runs only where the engine accepts relaxed SIMD (decided when the test runs). */
function skipWithoutFma(fma: boolean, ctx: TestContext): void {
  if (fma && !probeWasmFeatures().relaxedSimd) ctx.skip('relaxed SIMD is not available in this engine');
}

function matmulSuite(fma: boolean): void {
  it('matches the float64 CPU oracle on fixed ragged shapes', (ctx) => {
    skipWithoutFma(fma, ctx);
    FIXED.forEach((shape, s) => checkMatmul(fixedCase(shape, s + 1), { fma }));
  });

  it('matches the oracle on random shapes, ragged in M, K and N, and other register blocks', (ctx) => {
    skipWithoutFma(fma, ctx);
    fc.assert(
      fc.property(caseArb(7, 20, 40), fc.constantFrom([2, 4], [4, 3], [1, 1]), (c, [rows, vecs]) => {
        checkMatmul(c, { fma, rows, vecs });
      }),
      { numRuns: propertyRuns(25) },
    );
  });
}

describe('feature detection', () => {
  it('answers what WebAssembly.validate says of the probe modules', () => {
    expect(wasmFeatures()).toEqual({ simd: WebAssembly.validate(SIMD_PROBE), relaxedSimd: WebAssembly.validate(RELAXED_SIMD_PROBE) });
    expect(wasmFeatures().simd).toBe(true); // every engine this project supports (Node ≥ 20) has SIMD128
  });

  it('a kernel built with FMA is exactly as valid as relaxed SIMD is detected', () => {
    expect(WebAssembly.validate(matmulModule({ fma: true }))).toBe(probeWasmFeatures().relaxedSimd);
    expect(WebAssembly.validate(matmulModule({ fma: false }))).toBe(true);
    expect(WebAssembly.validate(matmulModule({ fma: false }, true))).toBe(true);
  });
});

describe('generated matmul, f32x4.mul + f32x4.add', () => {
  matmulSuite(false);
});

/** The suites that need relaxed SIMD: they turn on V8's flag first (wasm-relaxed-simd.test.ts calls this last). */
export function fmaSuites(): void {
  describe('generated matmul, f32x4.relaxed_madd', () => {
    // Node 20 accepts relaxed SIMD only behind this V8 flag (Node 22 without it). Turned on here,
    // after the suites above ran without it, in wasm-relaxed-simd.test.ts's own worker process, so
    // that the FMA path is tested on every Node we run; an engine that still refuses skips the
    // kernel tests.
    beforeAll(() => {
      if (!probeWasmFeatures().relaxedSimd) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    });

    it('is detected once the engine allows it, and the FMA kernel then validates', () => {
      const available = probeWasmFeatures().relaxedSimd;
      expect(WebAssembly.validate(RELAXED_SIMD_PROBE)).toBe(available);
      expect(WebAssembly.validate(matmulModule({ fma: true }))).toBe(available);
      if (process.versions.node.startsWith('20.')) expect(available, 'the V8 flag enables relaxed SIMD on Node 20').toBe(true);
    });

    matmulSuite(true);
  });
}
