/**
 * npm run bench -- [--backend cpu|webgpu] [--filter TEXT] [--batch N] [--quick] [--json] [...]
 *   with --backend webgpu, --batch takes a list (default 1,8 on a GPU, 1 on a software adapter)
 *                  [--gemm-tiling CHOICE] [--also-gemm-tiling CHOICE] [--budget-ms MS] [--no-autotune] [--alone]
 *                  (webgpu kernel comparison only: GEMM choices, see bench/compare-tfjs.ts; on a
 *                  real GPU our kernels are autotuned per case unless --no-autotune)
 *
 * The `stieltjes bench` suite (src/bench: kernels, then a whole VGG19; see `stieltjes bench
 * --help` for every flag). With --backend webgpu the kernel table also times TensorFlow.js's
 * WebGPU backend on the same adapter and prints the ratio (bench/compare-tfjs.ts); --no-tfjs
 * leaves it out.
 */
import { runCli } from '../src/cli/run.js';
import { compareWithTfjs } from './compare-tfjs.js';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--backend');
  const backend = at >= 0 ? argv[at + 1] : 'cpu';
  // Without --backend (at = -1) nothing but --no-tfjs is dropped.
  const rest = argv.filter((a, i) => a !== '--no-tfjs' && (at < 0 || (i !== at && i !== at + 1)));
  if (backend === 'webgpu' && !argv.includes('--no-tfjs')) {
    const valued = ['--filter', '--batch', '--gemm-tiling', '--also-gemm-tiling', '--budget-ms'];
    const switches = ['--quick', '--json', '--autotune', '--no-autotune', '--alone'];
    await compareWithTfjs(rest.filter((a, i) => switches.includes(a) || valued.includes(a) || valued.includes(rest[i - 1] ?? '')));
    if (argv.includes('--json')) return 0;
    // The model pass takes the rest (--autotune included; it tunes only when asked).
    const kernelOnly = (a: string, prev: string | undefined): boolean =>
      ['--quick', '--no-autotune', '--alone', ...valued].includes(a) || valued.includes(prev ?? '');
    return runCli(['bench', '--backend', 'webgpu', '--no-kernels', ...rest.filter((a, i) => !kernelOnly(a, rest[i - 1]))]);
  }
  return runCli(['bench', '--backend', backend ?? 'cpu', ...rest]);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
