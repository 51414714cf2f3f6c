/** The backend conformance suite on the CPU backend in float32, and a backend it must reject. */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/kernels/backend.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { runConformance } from '../../src/testing/conformance.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests } from '../helpers/conformance.js';

describe('conformance: CPU float32 against the float64 oracle', () => {
  conformanceTests(() => cpuBackend(), { runs: propertyRuns(4), secondOrder: true });
});

describe('conformance catches a wrong kernel', () => {
  it('a backend whose mul kernel adds fails mul (and what builds on it) and passes add', async () => {
    const cpu = cpuBackend();
    // The CPU backend with one kernel swapped: every other method is the CPU's own.
    const broken = new Proxy(cpu, {
      get(target, key) {
        if (key === 'binary') return (op: string, ...rest: unknown[]) => (target.binary as (...a: unknown[]) => unknown)(op === 'mul' ? 'add' : op, ...rest);
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Backend;
    const rows = await runConformance(broken, { only: ['add', 'mul', 'exp'], runs: 2 });
    expect(rows.map((r) => [r.name, r.ok])).toEqual([
      ['add', true],
      ['mul', false],
      // exp's VJP multiplies dy by exp(x): the forward value passes, the cotangent does not.
      ['exp', false],
    ]);
    expect(rows.find((r) => r.name === 'exp')!.worst).toMatch(/^d\/dx0/);
  });

  it('secondOrder adds the double backward pass of rows that have one, and only of those', async () => {
    const count = async (secondOrder: boolean) => (await runConformance(cpuBackend(), { only: ['mul', 'maxPool2d'], runs: 2, secondOrder })).map((r) => r.checks);
    const [first, both] = [await count(false), await count(true)];
    expect(both[0]).toBeGreaterThan(first[0]!);
    expect(both[1]).toBe(first[1]);
  });
});
