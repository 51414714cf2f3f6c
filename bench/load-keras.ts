/**
 * Keras weight loading benchmark (not a test): how long does reading a full-size VGG19 weight
 * file take, and how much memory does it need?
 *
 *   npx tsx bench/load-keras.ts [--file PATH] [--runs N]
 *
 * With no --file, a synthetic VGG19 in the Keras 1 layout of
 * `vgg19_weights_tf_dim_ordering_tf_kernels.h5` (143,667,240 float32 parameters, ~575 MB) is
 * written to the system temp directory by the small HDF5 writer below (superblock v0, v1 object
 * headers, symbol-table groups, fixed-length string attributes, contiguous float32 datasets:
 * exactly the features the real file uses), so no Python is needed. Each measurement runs in a
 * fresh child process so that its peak RSS is the loader's alone.
 * Targets: load ≤ 2 s, peak RSS ≤ 1.5 × file size.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKerasWeights } from '../src/models/keras/index.js';
import { readKerasWeightsFile } from '../src/models/keras/read-file.js';

// ---------------------------------------------------------------------------------------------
// VGG19 in the Keras 1 layout

interface LayerSpec {
  name: string;
  weights: { name: string; shape: number[] }[];
}

function vgg19Layers(): LayerSpec[] {
  const layers: LayerSpec[] = [{ name: 'input_1', weights: [] }];
  const blocks = [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]];
  let cin = 3;
  blocks.forEach((chans, b) => {
    chans.forEach((c, i) => {
      const n = `block${b + 1}_conv${i + 1}`;
      layers.push({ name: n, weights: [{ name: `${n}_W_1:0`, shape: [3, 3, cin, c] }, { name: `${n}_b_1:0`, shape: [c] }] });
      cin = c;
    });
    layers.push({ name: `block${b + 1}_pool`, weights: [] });
  });
  layers.push({ name: 'flatten', weights: [] });
  for (const [n, i, o] of [['fc1', 25088, 4096], ['fc2', 4096, 4096], ['predictions', 4096, 1000]] as const) {
    layers.push({ name: n, weights: [{ name: `${n}_W_1:0`, shape: [i, o] }, { name: `${n}_b_1:0`, shape: [o] }] });
  }
  return layers;
}

// ---------------------------------------------------------------------------------------------
// A minimal HDF5 writer (8-byte offsets and lengths throughout)

const K = 16; // group leaf/internal node K: one symbol table node holds 2K = 32 links
const UNDEF = 0xffffffffffffffffn;
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

class Bytes {
  readonly out: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  constructor(size: number) {
    this.out = new Uint8Array(size);
    this.view = new DataView(this.out.buffer);
  }
  u8(v: number): this { this.view.setUint8(this.pos, v); this.pos += 1; return this; }
  u16(v: number): this { this.view.setUint16(this.pos, v, true); this.pos += 2; return this; }
  u32(v: number): this { this.view.setUint32(this.pos, v, true); this.pos += 4; return this; }
  u64(v: number | bigint): this { this.view.setBigUint64(this.pos, BigInt(v), true); this.pos += 8; return this; }
  ascii(s: string): this { for (const ch of s) this.u8(ch.charCodeAt(0)); return this; }
  bytes(b: Uint8Array): this { this.out.set(b, this.pos); this.pos += b.length; return this; }
}

interface Message { type: number; body: Uint8Array }

function objectHeader(messages: Message[]): Uint8Array {
  const size = messages.reduce((s, m) => s + 8 + pad8(m.body.length), 0);
  const b = new Bytes(16 + size).u8(1).u8(0).u16(messages.length).u32(1).u32(size).u32(0);
  for (const m of messages) {
    b.u16(m.type).u16(pad8(m.body.length)).u8(0).u8(0).u8(0).u8(0).bytes(m.body);
    b.pos = pad8(b.pos);
  }
  return b.out;
}

const dataspace = (shape: number[]): Uint8Array => {
  const b = new Bytes(8 + 8 * shape.length).u8(1).u8(shape.length).u8(0).u8(0).u32(0);
  for (const d of shape) b.u64(d);
  return b.out;
};
// IEEE little-endian floats: class 1, version 1, mantissa normalisation "implied".
const float32Type = new Bytes(20).u8(0x11).u8(0x20).u8(31).u8(0).u32(4).u16(0).u16(32).u8(23).u8(8).u8(0).u8(23).u32(127).out;
const float64Type = new Bytes(20).u8(0x11).u8(0x20).u8(63).u8(0).u32(8).u16(0).u16(64).u8(52).u8(11).u8(0).u8(52).u32(1023).out;
const stringType = (size: number): Uint8Array => new Bytes(8).u8(0x13).u8(0x01).u8(0).u8(0).u32(size).out; // NUL-padded ASCII

/** Attribute message v1: a list of fixed-length strings, or the float64[0] Keras writes for []. */
function stringListAttribute(name: string, values: string[]): Message {
  const width = Math.max(1, ...values.map((v) => v.length));
  const type = values.length === 0 ? float64Type : stringType(width);
  const space = dataspace([values.length]);
  const data = new Bytes(values.length * width);
  for (const v of values) { data.ascii(v); data.pos += width - v.length; }
  const b = new Bytes(8 + pad8(name.length + 1) + pad8(type.length) + pad8(space.length) + data.out.length);
  b.u8(1).u8(0).u16(name.length + 1).u16(type.length).u16(space.length).ascii(name);
  b.pos = 8 + pad8(name.length + 1);
  b.bytes(type); b.pos = pad8(b.pos);
  b.bytes(space); b.pos = pad8(b.pos);
  b.bytes(data.out);
  return { type: 0x0c, body: b.out };
}

/** What a group needs besides its object header: B-tree node, symbol table node, local heap. */
interface GroupParts { btree: Uint8Array; snod: Uint8Array; heapHeader: Uint8Array; heapData: Uint8Array }

function groupParts(links: { name: string; address: number }[], at: { snod: number; heapData: number }): GroupParts {
  const sorted = [...links].sort((a, b) => (a.name < b.name ? -1 : 1)); // lookups binary-search by name
  const heap = new Bytes(8 + sorted.reduce((s, l) => s + pad8(l.name.length + 1), 0));
  heap.pos = 8; // offset 0 holds the empty name
  const offsets = sorted.map((l) => { const o = heap.pos; heap.ascii(l.name); heap.pos = pad8(heap.pos + 1); return o; });
  const snod = new Bytes(8 + 2 * K * 40).ascii('SNOD').u8(1).u8(0).u16(sorted.length);
  sorted.forEach((l, i) => { snod.u64(offsets[i]!).u64(l.address).u32(0).u32(0); snod.pos += 16; });
  const btree = new Bytes(24 + (2 * K + 1) * 8 + 2 * K * 8).ascii('TREE').u8(0).u8(0).u16(sorted.length ? 1 : 0).u64(UNDEF).u64(UNDEF);
  btree.u64(0);
  if (sorted.length) btree.u64(at.snod).u64(offsets[offsets.length - 1]!);
  // Free-list offset 1 is libhdf5's "no free block" (offsets are multiples of 8).
  const heapHeader = new Bytes(32).ascii('HEAP').u8(0).u8(0).u8(0).u8(0).u64(heap.out.length).u64(1).u64(at.heapData).out;
  return { btree: btree.out, snod: snod.out, heapHeader, heapData: heap.out };
}

/**
 * Writes the file: all metadata first (laid out in two passes: sizes, then addresses), then the
 * weights, generated chunk by chunk so the writer itself never holds more than a few MB.
 */
function writeVgg19Keras1(path: string): void {
  const layers = vgg19Layers();
  const weights = layers.flatMap((l) => l.weights.map((w) => ({ layer: l.name, ...w, count: w.shape.reduce((a, b) => a * b, 1) })));
  let next = 96; // after the superblock
  const alloc = (n: number): number => { const a = next; next = pad8(next + n); return a; };

  // Pass 1 sizes; pass 2 the real thing. The sizes never depend on the addresses.
  const build = (addr: Map<string, number>) => {
    const get = (k: string): number => addr.get(k) ?? 0;
    const datasetHeaders = weights.map((w) =>
      objectHeader([
        { type: 0x01, body: dataspace(w.shape) },
        { type: 0x03, body: float32Type },
        { type: 0x08, body: new Bytes(18).u8(3).u8(1).u64(get(`data:${w.layer}/${w.name}`)).u64(w.count * 4).out },
      ]),
    );
    const groups = [{ name: '/', links: layers.map((l) => ({ name: l.name, address: get(`ohdr:${l.name}`) })), attr: stringListAttribute('layer_names', layers.map((l) => l.name)) }]
      .concat(layers.map((l) => ({
        name: l.name,
        links: l.weights.map((w) => ({ name: w.name, address: get(`dset:${l.name}/${w.name}`) })),
        attr: stringListAttribute('weight_names', l.weights.map((w) => w.name)),
      })))
      .map((g) => {
        const parts = groupParts(g.links, { snod: get(`snod:${g.name}`), heapData: get(`heapdata:${g.name}`) });
        const header = objectHeader([{ type: 0x11, body: new Bytes(16).u64(get(`btree:${g.name}`)).u64(get(`heap:${g.name}`)).out }, g.attr]);
        return { name: g.name, header, ...parts };
      });
    return { datasetHeaders, groups };
  };

  const sizes = build(new Map());
  const addr = new Map<string, number>();
  for (const g of sizes.groups) {
    addr.set(`ohdr:${g.name}`, alloc(g.header.length));
    addr.set(`btree:${g.name}`, alloc(g.btree.length));
    addr.set(`snod:${g.name}`, alloc(g.snod.length));
    addr.set(`heap:${g.name}`, alloc(g.heapHeader.length));
    addr.set(`heapdata:${g.name}`, alloc(g.heapData.length));
  }
  weights.forEach((w, i) => addr.set(`dset:${w.layer}/${w.name}`, alloc(sizes.datasetHeaders[i]!.length)));
  next = Math.ceil(next / 4096) * 4096;
  for (const w of weights) addr.set(`data:${w.layer}/${w.name}`, alloc(w.count * 4));
  const eof = next;

  const final = build(addr);
  const meta = new Uint8Array(addr.get(`data:${weights[0]!.layer}/${weights[0]!.name}`)!);
  const place = (key: string, bytes: Uint8Array): void => meta.set(bytes, addr.get(key)!);
  for (const g of final.groups) {
    place(`ohdr:${g.name}`, g.header);
    place(`btree:${g.name}`, g.btree);
    place(`snod:${g.name}`, g.snod);
    place(`heap:${g.name}`, g.heapHeader);
    place(`heapdata:${g.name}`, g.heapData);
  }
  weights.forEach((w, i) => place(`dset:${w.layer}/${w.name}`, final.datasetHeaders[i]!));
  const sb = new Bytes(96).bytes(Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a));
  sb.u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0).u16(K).u16(K).u32(0);
  sb.u64(0).u64(UNDEF).u64(eof).u64(UNDEF);
  sb.u64(0).u64(addr.get('ohdr:/')!).u32(1).u32(0).u64(addr.get('btree:/')!).u64(addr.get('heap:/')!);
  meta.set(sb.out, 0);

  const fd = openSync(path, 'w');
  try {
    writeSync(fd, meta);
    let state = 0x9e3779b9; // xorshift32: cheap, deterministic, weight-like magnitudes
    const chunk = new Float32Array(1 << 20);
    for (const w of weights) {
      for (let left = w.count; left > 0; ) {
        const n = Math.min(left, chunk.length);
        for (let i = 0; i < n; i++) {
          state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
          chunk[i] = ((state >>> 0) / 4294967296 - 0.5) * 0.1;
        }
        writeSync(fd, new Uint8Array(chunk.buffer, 0, n * 4));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (statSync(path).size !== eof) throw new Error(`wrote ${statSync(path).size} bytes, expected ${eof}`);
}

// ---------------------------------------------------------------------------------------------
// Measurement (in a child process)

function measure(path: string): void {
  const start = performance.now();
  const weights = readKerasWeightsFile(path);
  const ms = performance.now() - start;
  // Peak RSS of the load, taken before the second read below doubles the file in memory.
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  // The same again from bytes already in memory: the parsing cost alone.
  const buf = readFileSync(path);
  const parseStart = performance.now();
  readKerasWeights(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  const parseMs = performance.now() - parseStart;
  let params = 0;
  let views = 0;
  let tensors = 0;
  let checksum = 0;
  for (const layer of weights.layers) {
    for (const w of layer.weights) {
      params += w.data.length;
      tensors++;
      if (w.data.byteOffset !== 0 || w.data.buffer.byteLength !== w.data.byteLength) views++;
      checksum += w.data[0]! + w.data[w.data.length - 1]!; // touch the data
    }
  }
  console.log(JSON.stringify({ ms: Math.round(ms), parseMs: +parseMs.toFixed(2), params, tensors, views, maxRssBytes, generation: weights.generation, checksum }));
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--measure') return measure(argv[1]!);
  const fileIndex = argv.indexOf('--file');
  const runsIndex = argv.indexOf('--runs');
  const runs = runsIndex >= 0 ? Number(argv[runsIndex + 1]) : 3;
  const path = fileIndex >= 0 ? argv[fileIndex + 1]! : join(tmpdir(), 'stieltjes-vgg19-keras1-synthetic.h5');
  if (fileIndex < 0 && !existsSync(path)) {
    const t = performance.now();
    console.error(`writing ${path} ...`);
    writeVgg19Keras1(path);
    console.error(`written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const size = statSync(path).size;
  const self = fileURLToPath(import.meta.url);
  console.log(`file: ${path} (${size.toLocaleString('en')} bytes)`);
  for (let r = 0; r < runs; r++) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, '--measure', path], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`measurement failed:\n${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split('\n').pop()!);
    const ratio = m.maxRssBytes / size;
    console.log(
      `run ${r + 1}: load ${m.ms} ms (target ≤ 2000; parsing alone ${m.parseMs} ms), peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB = ${ratio.toFixed(2)} × file (target ≤ 1.5), ` +
        `${m.params.toLocaleString('en')} params in ${m.tensors} tensors (${m.views} zero-copy views), ${m.generation}`,
    );
  }
}

main();
