#!/bin/bash
# The benchmark kit's runner (packed by scripts/bench-kit/pack.sh): on the GPU machine,
#
#   bash run.sh [RESULTS_DIR]        (default: ./results)
#
# runs the WebGPU-vs-TF.js kernel comparison at batch 1 and 8, VGG19 end to end with IG and
# RSI-Grad-CAM at m = 50 (random weights), and the gradient checks, each log in RESULTS_DIR.
# Set BUDGET_MS (default 400) for the time per case and side, ALSO for a second GEMM setting of
# ours timed alongside (e.g. ALSO=tiled:auto:1024:1buf), FILTER to time only the kernel cases
# whose "op shape" contains it, BATCH for other batch sizes (default 1,8), STEPS for m (50).
set -uo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-results}" && cd "${1:-results}" && pwd)
cd "$kit"
[ -f node.xz ] && [ ! -f node ] && xz -dk node.xz && chmod +x node
node=$([ -x ./node ] && echo ./node || command -v node)
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || xz -dk "$dawn.xz"
also=${ALSO:+--also-gemm-tiling $ALSO}
filter=${FILTER:+--filter $FILTER}
t0=$(date +%s)
step() { echo "=== $1 (t=$(( $(date +%s) - t0 ))s)"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>/dev/null; "$node" --version; } | tee "$out/machine.txt"
step "kernels, batch ${BATCH:-1,8}"
"$node" compare-tfjs.mjs --batch "${BATCH:-1,8}" --budget-ms "${BUDGET_MS:-400}" $also $filter 2>&1 | grep -v 'artificially reduced' | tee "$out/kernels.txt"
step "VGG19 end to end"
"$node" stieltjes.mjs bench --backend webgpu --no-kernels --steps "${STEPS:-50}" 2>&1 | tee "$out/vgg19.txt"
step "gradient checks"
"$node" stieltjes.mjs gradcheck --backend webgpu --runs 5 2>&1 | tail -3 | tee "$out/gradcheck.txt"
step done
