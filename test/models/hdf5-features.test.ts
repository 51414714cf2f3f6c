/**
 * HDF5 features beyond what the Keras fixtures use (superblock v2/v3, v2 object headers, link
 * messages, dense links and attributes, compact layout, soft links), the rejections, and the
 * guarantees about memory (views, never writing to the caller's bytes).
 */
import { describe, expect, it } from 'vitest';
import { lookup3 } from '../../src/models/hdf5/checksum.js';
import { Hdf5Error, Hdf5File } from '../../src/models/hdf5/index.js';
import { expectations, readFixture } from './keras-fixtures.js';

const open = (key: string): Hdf5File => Hdf5File.open(readFixture(key), { name: key });

describe('lookup3 checksum', () => {
  it('matches the reference values published with lookup3.c', () => {
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    const text = new TextEncoder().encode('Four score and seven years ago');
    expect(lookup3(text, 0)).toBe(0x17770551);
    expect(lookup3(text, 1)).toBe(0xcd628161);
  });
});

describe('superblock versions and object headers', () => {
  it.each([
    ['hdf5/features_v0.h5', 0],
    ['hdf5/features_v2.h5', 2],
    ['hdf5/features_v3.h5', 3],
    ['keras/synthetic/tiny_vgg19_keras1.h5', 0],
  ])('%s has superblock v%d', (key, version) => {
    expect(open(key).superblockVersion).toBe(version);
  });

  it.each(['hdf5/features_v0.h5', 'hdf5/features_v2.h5', 'hdf5/features_v3.h5'])('%s: compact layout, scalar and empty datasets', (key) => {
    const f = open(key);
    expect(Array.from(f.dataset('compact').read())).toEqual([1, 2, 3, 4, 5]);
    const scalar = f.dataset('layer_a/scalar');
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.readFloat32())).toEqual([2.5]);
    expect(f.dataset('layer_a/empty').readFloat32().length).toBe(0);
    expect(f.dataset('/outer/inner/w').path).toBe('/outer/inner/w');
  });

  it.each(['hdf5/features_v0.h5', 'hdf5/features_v2.h5', 'hdf5/features_v3.h5'])('%s: soft link resolves to its target', (key) => {
    const f = open(key);
    expect(f.get('soft').path).toBe('/layer_a/kernel');
    expect(f.get('soft').address).toBe(f.get('/layer_a/kernel').address);
  });

  it('reads a creation-ordered (link message) group inside a v0 file', () => {
    expect(open('hdf5/features_v0.h5').group('ordered').keys()).toEqual(['x']);
  });
});

describe('dense storage', () => {
  it('reads 150 links from a fractal heap + v2 B-tree name index', () => {
    const f = open('hdf5/dense_links.h5');
    const many = f.group('many');
    expect(many.keys().length).toBe(150);
    expect(new Set(many.keys())).toEqual(new Set(expectations['hdf5/dense_links.h5']!.groups['/many']));
    const target = f.dataset('target').address;
    for (const child of many.children()) expect(child.address).toBe(target);
    expect(f.group('few').keys().sort()).toEqual(['x0', 'x1', 'x2', 'x3']);
  });

  it('reads attributes from dense attribute storage', () => {
    const f = open('hdf5/dense_attributes.h5');
    const g = f.group('g');
    expect(g.attributes().size).toBe(41);
    for (let i = 0; i < 40; i++) expect(g.attr(`attr_${String(i).padStart(3, '0')}`)!.value()).toBe(i * 0.5);
    expect(g.attr('names')!.strings()).toEqual(['vlen', 'strings', 'in', 'dense', 'storage']);
    expect(f.dataset('d').attr('meta_07')!.value()).toBe('value 7');
  });

  it('never writes into the caller\'s bytes (checksums are verified on copies)', () => {
    for (const key of ['hdf5/dense_links.h5', 'hdf5/dense_attributes.h5']) {
      const bytes = readFixture(key);
      const before = bytes.slice();
      const f = Hdf5File.open(bytes);
      f.root.visit((o) => void o.attributes());
      expect(Buffer.compare(bytes, before)).toBe(0);
    }
  });
});

describe('attribute decoding', () => {
  it.each(['hdf5/features_v0.h5', 'hdf5/features_v3.h5'])('%s: both string kinds, UTF-8, numbers, empty', (key) => {
    const a = open(key).group('layer_a');
    expect(a.attr('fixed')!.strings()).toEqual(['alpha', 'be']);
    expect(a.attr('fixed')!.datatype.kind).toBe('string');
    expect(a.attr('vlen')!.strings()).toEqual(['one', 'two', 'three']);
    expect(a.attr('vlen')!.datatype.kind).toBe('vlen-string');
    expect(a.attr('vlen_scalar')!.value()).toBe('a single string');
    expect(a.attr('utf8')!.value()).toBe('π ≈ 3.14159');
    expect(a.attr('int_scalar')!.value()).toBe(-42);
    expect(a.attr('floats')!.numbers()).toEqual([0.5, -1.25, 3]);
    expect(a.attr('empty')!.value()).toEqual([]);
    expect(() => a.attr('floats')!.strings()).toThrow(Hdf5Error);
  });
});

describe('rejections name the dataset', () => {
  it('chunked + gzip', () => {
    const f = open('hdf5/chunked_gzip.h5');
    expect(() => f.dataset('layer/kernel').readFloat32()).toThrow(/hdf5\/chunked_gzip\.h5.*"\/layer\/kernel".*filtered/);
    expect(f.dataset('layer/bias').readFloat32().length).toBe(8); // the rest of the file still reads
  });

  it('big-endian float32', () => {
    const f = open('hdf5/big_endian.h5');
    expect(() => f.dataset('layer/kernel').readFloat32()).toThrow(/"\/layer\/kernel".*big-endian float32/);
  });

  it('non-float32 through readFloat32', () => {
    const f = open('hdf5/features_v0.h5');
    expect(() => f.dataset('layer_a/i32').readFloat32()).toThrow(/"\/layer_a\/i32" holds int32/);
    expect(Array.from(f.dataset('layer_a/i32').read())).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('missing objects and wrong kinds', () => {
    const f = open('hdf5/features_v0.h5');
    expect(f.tryGet('nope')).toBeUndefined();
    expect(() => f.get('layer_a/nope')).toThrow(/no object "layer_a\/nope"/);
    expect(() => f.dataset('layer_a')).toThrow(/"\/layer_a" is a group/);
    expect(() => f.group('layer_a/bias')).toThrow(/"\/layer_a\/bias" is a dataset/);
  });
});

describe('corrupt and foreign input', () => {
  it('rejects bytes that are not HDF5', () => {
    expect(() => Hdf5File.open(new TextEncoder().encode('hello world'))).toThrow(/not an HDF5 file/);
    expect(() => Hdf5File.open(new Uint8Array(0))).toThrow(Hdf5Error);
  });

  it('rejects a truncated file with a clear message', () => {
    const bytes = readFixture('keras/synthetic/tiny_vgg19_keras1.h5');
    expect(() => Hdf5File.open(bytes.subarray(0, bytes.length - 100), { name: 'x.h5' })).toThrow(/x\.h5: file is truncated/);
  });

  it('detects a flipped byte in a checksummed v2 object header', () => {
    const bytes = readFixture('hdf5/features_v3.h5').slice();
    const ohdr = findAscii(bytes, 'OHDR', 1); // the second object header, a child of the root
    bytes[ohdr + 12] = bytes[ohdr + 12]! ^ 0x10;
    const f = Hdf5File.open(bytes);
    expect(() => f.root.visit(() => undefined)).toThrow(/checksum mismatch/);
  });
});

describe('local heaps', () => {
  it('ignore the free-list offset, whether a block offset, "undefined" or libhdf5\'s 1', () => {
    const original = readFixture('hdf5/features_v0.h5');
    const expected = Hdf5File.open(original).group('layer_a').keys();
    for (const fill of [0xff, 0x01]) {
      const bytes = original.slice();
      for (let n = 0, at = findAscii(bytes, 'HEAP', 0); ; ) {
        // HEAP, version, 3 reserved, data size (8), then the free-list offset (8).
        bytes.fill(fill === 0xff ? 0xff : 0, at + 16, at + 24);
        if (fill === 0x01) bytes[at + 16] = 1;
        try {
          at = findAscii(bytes, 'HEAP', ++n);
        } catch {
          break;
        }
      }
      expect(Hdf5File.open(bytes).group('layer_a').keys()).toEqual(expected);
    }
  });
});

describe('memory: weights are views over the file, or exactly one copy', () => {
  it('aligned float32 data is a view, not a copy', () => {
    const bytes = readFixture('keras/synthetic/tiny_vgg19_keras1.h5');
    const data = Hdf5File.open(bytes).dataset('fc1/fc1_W_1:0').readFloat32();
    expect(data.buffer).toBe(bytes.buffer);
    expect(data.length).toBe(1568 * 256);
  });

  it('misaligned bytes still read correctly (one copy)', () => {
    const bytes = readFixture('keras/synthetic/tiny_vgg19_keras1.h5');
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const view = shifted.subarray(1);
    const a = Hdf5File.open(bytes).dataset('block1_conv1/block1_conv1_W_1:0').readFloat32();
    const b = Hdf5File.open(view).dataset('block1_conv1/block1_conv1_W_1:0').readFloat32();
    expect(b.buffer).not.toBe(shifted.buffer);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('opens an ArrayBuffer as well as a Uint8Array', () => {
    const bytes = readFixture('hdf5/features_v2.h5');
    const ab = new ArrayBuffer(bytes.length);
    new Uint8Array(ab).set(bytes);
    expect(Array.from(Hdf5File.open(ab).dataset('compact').read())).toEqual([1, 2, 3, 4, 5]);
  });
});

function findAscii(bytes: Uint8Array, text: string, occurrence: number): number {
  let seen = 0;
  for (let i = 0; i + text.length <= bytes.length; i++) {
    let ok = true;
    for (let j = 0; j < text.length; j++) if (bytes[i + j] !== text.charCodeAt(j)) ok = false;
    if (ok && seen++ === occurrence) return i;
  }
  throw new Error(`${text} #${occurrence} not found`);
}
