#!/bin/bash
# The benchmark kit's runner (packed by scripts/bench-kit/pack.sh): on the GPU machine,
#
#   bash run.sh [RESULTS_DIR]        (default: ./results)
#
# checks first that Dawn finds a GPU (stops otherwise: FORCE=1 goes on), then runs, shortest
# and most telling first, each log in RESULTS_DIR:
#   vgg19   VGG19 end to end (random weights) with IG and RSI-Grad-CAM at m = 50, and the
#           kernel-by-kernel profile of its forward and forward + input gradient; then the
#           same with --autotune (what `explain` does on a GPU by default);
#   tune    our GEMM settings against each other at batch 1 (the backend's choice, the direct
#           kernels only, splitting K below 1,024 tiles, 32×32 tiles, K steps of 32, 128×64
#           tiles; for the first layer,
#           direct-kernel blocks with more workgroups and the tiled kernel over the flattened
#           K), outputs checked against the CPU, and compared by GPU kernel time too;
#   kernels the WebGPU-vs-TF.js kernel comparison at batch 1 and 8, our side autotuned per
#           case (the GEMM choice it made is printed; AUTOTUNE=0 for the backend's defaults alone),
#           and each side also timed without the other in its process (ours before TF.js
#           loads, TF.js in a child process: columns 'alone', 'tfjs al', 'al ratio'; ALONE=0
#           to skip): on the H200 ours measured 20-45% slower inside the comparison than
#           alone; where the
#           GPU has timestamp queries, both sides are also timed by the GPU (columns 'ours k',
#           'tfjs k', 'k ratio': kernel time alone, without the host);
#   host    the host's cost per kernel launch, ours and TF.js's (Dawn's Null backend);
#   grad    the gradient checks.
# ONLY=vgg19,tune (say) runs only those. Set BUDGET_MS (default 400) for the time per case and
# side, ALSO for a second GEMM setting of ours timed alongside (e.g. ALSO=tiled:auto:1024:1buf),
# FILTER to time only the kernel cases whose "op shape" contains it, BATCH for other batch sizes
# (default 1,8), STEPS for m (50), TILINGS and FIRST_TILINGS for the tune step's settings.
set -uo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-results}" && cd "${1:-results}" && pwd)
cd "$kit"
[ -f node.xz ] && [ ! -f node ] && xz -dk node.xz && chmod +x node
node=$([ -x ./node ] && echo ./node || command -v node)
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || xz -dk "$dawn.xz"
also=(); [ -n "${ALSO:-}" ] && also=(--also-gemm-tiling "$ALSO")
autotune=$([ "${AUTOTUNE:-1}" = 0 ] && echo --no-autotune || echo --autotune)
alone=$([ "${ALONE:-1}" = 0 ] || echo --alone)
# Arrays, so that a filter with spaces (an "op shape" text) stays one argument.
filter=(); [ -n "${FILTER:-}" ] && filter=(--filter "$FILTER")
t0=$(date +%s)
step() { echo "=== $1 (t=$(( $(date +%s) - t0 ))s)"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>/dev/null; "$node" --version; } | tee "$out/machine.txt"
want() { [ -z "${ONLY:-}" ] || [[ ",$ONLY," == *",$1,"* ]]; }
# Preflight (seconds): which adapter Dawn picks. Without the Vulkan loader it finds no GPU, and
# every step would time a software adapter or fail; stop here unless FORCE=1.
step "adapter"
"$node" stieltjes.mjs bench --backend webgpu --no-model --quick --filter 'matmul a[1,512,512]' 2>&1 | grep -v 'artificially reduced' | tee "$out/adapter.txt"
if ! grep -q '^backend webgpu, adapter' "$out/adapter.txt" || grep -qiE 'llvmpipe|swiftshader|lavapipe' "$out/adapter.txt"; then
  echo "run.sh: no GPU adapter (above). Dawn needs the Vulkan loader (libvulkan1) and the driver's ICD, e.g."
  echo "  VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json (or /etc/vulkan/icd.d/...); FORCE=1 runs anyway."
  [ "${FORCE:-0}" = 1 ] || exit 1
fi
if want vgg19; then
  step "VGG19 end to end, with the kernel profile"
  "$node" stieltjes.mjs bench --backend webgpu --no-kernels --steps "${STEPS:-50}" --profile 2>&1 | grep -v 'artificially reduced' | tee "$out/vgg19.txt"
  step "VGG19 end to end, autotuned"
  "$node" stieltjes.mjs bench --backend webgpu --no-kernels --steps "${STEPS:-50}" --autotune 2>&1 | grep -v 'artificially reduced' | tee "$out/vgg19-autotuned.txt"
fi
if want tune; then
  step "GEMM settings at batch 1"
  "$node" tune-gemm.mjs --batch 1 --tilings "${TILINGS:-auto,direct,tiled:auto:1024:1024,tiled:32:0,tiled:32:1024,tiled:32:0:k32,tiled:64:0:k32,tiled:128x64:0}" --check \
    --filter 'conv2d x|conv2dBackpropInput x|matmul a[1,1,' 2>&1 | grep -v 'artificially reduced' | tee "$out/tune.txt"
  # VGG's first layer (3 channels) runs on the direct kernel: block shapes with more workgroups,
  # and the tiled kernel over the flattened K (forward only; the input gradient's 3 output
  # channels keep it direct, where tiled:auto:1024:1024 splits its taps).
  "$node" tune-gemm.mjs --batch 1 --tilings "${FIRST_TILINGS:-auto,8x2/8x32,2x2/8x32,1x2/8x32,1x1/1x64,1x1/4x16,tiled:auto:1024:1024,tiled:64:0:anyk,tiled:32:0:anyk,tiled:32:0:k32:anyk}" --check \
    --filter 'conv2d x[1,224,224,3]|conv2dBackpropInput x[1,224,224,3]' 2>&1 | grep -v 'artificially reduced' | tee "$out/tune-first-layer.txt"
fi
if want kernels; then
  step "kernels, batch ${BATCH:-1,8}"
  "$node" compare-tfjs.mjs --batch "${BATCH:-1,8}" --budget-ms "${BUDGET_MS:-400}" $autotune $alone "${also[@]}" "${filter[@]}" \
    --json-out "$out/kernels-batch-${BATCH:-1,8}.json" 2>&1 | grep -v 'artificially reduced' | tee "$out/kernels-batch-${BATCH:-1,8}.txt"
fi
if want host; then
  step "host cost per launch (Null backend)"
  "$node" host-overhead.mjs 2>&1 | grep -v 'artificially reduced' | tee "$out/host.txt"
fi
if want grad; then
  step "gradient checks"
  "$node" stieltjes.mjs gradcheck --backend webgpu --runs 5 2>&1 | tail -3 | tee "$out/gradcheck.txt"
fi
step done
