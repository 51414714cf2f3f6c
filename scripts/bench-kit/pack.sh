#!/bin/bash
# Packs the WebGPU benchmarks into one folder that runs on a Linux x86-64 machine with a GPU and
# no npm registry (a lent GPU box, an offline server):
#
#   bash scripts/bench-kit/pack.sh [DIR] [--with-node]
#
# DIR (default bench-kit/, git-ignored) receives compare-tfjs.mjs, tune-gemm.mjs, host-overhead.mjs
# and stieltjes.mjs (those three bench/ scripts and the CLI, each bundled with
# esbuild, Dawn left outside), the `webgpu` package with its linux-x64 Dawn only (xz), and
# run.sh. --with-node adds this machine's node binary (xz) for a machine without Node 20+.
# About 5 MB, or 30 MB with Node. On the GPU machine: `bash DIR/run.sh [RESULTS_DIR]`; Dawn
# there needs the Vulkan loader (libvulkan1) and the GPU's Vulkan driver.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=bench-kit
with_node=0
for a in "$@"; do
  case "$a" in
    --with-node) with_node=1 ;;
    -*) echo "pack.sh: unknown flag $a" >&2; exit 2 ;;
    *) dir=$a ;;
  esac
done
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/node_modules/webgpu/dist/linux-x64"
banner="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
for entry in bench/compare-tfjs.ts bench/tune-gemm.ts bench/host-overhead.ts src/cli/main.ts; do
  name=$(basename "$entry" .ts); [ "$name" = main ] && name=stieltjes
  npx esbuild "$entry" --bundle --platform=node --format=esm --target=node20 --external:webgpu \
    --outfile="$dir.tmp/$name.mjs" --log-level=error --banner:js="$banner"
done
cp node_modules/webgpu/{index.js,package.json} "$dir.tmp/node_modules/webgpu/"
xz -T0 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$dir.tmp/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
[ "$with_node" = 1 ] && xz -T0 -c "$(command -v node)" > "$dir.tmp/node.xz"
cp scripts/bench-kit/run.sh "$dir.tmp/run.sh"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
du -sh "$dir"
