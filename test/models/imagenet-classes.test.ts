// Lives in test/io/ for now; it belongs with the model tests (test/models/) when that exists.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  IMAGENET_CLASS_COUNT,
  classInfo,
  findClassIndex,
  imagenetClasses,
  topClasses,
} from '../../src/models/imagenet-classes.js';

describe('imagenetClasses', () => {
  it("is byte for byte Keras's imagenet_class_index.json (md5 Keras checks downloads against)", () => {
    // Python's json.dump with default separators, keys "0".."999" in order: Keras's file exactly.
    const text =
      '{' + imagenetClasses.map((c, i) => `"${i}": ["${c.wnid}", "${c.label}"]`).join(', ') + '}';
    expect(text.length).toBe(35363);
    expect(createHash('md5').update(text, 'utf8').digest('hex')).toBe('c2c37ea517e94d9795004a39431a14cb');
  });

  it('has 1000 unique, sorted WordNet ids and the known anchors', () => {
    expect(imagenetClasses).toHaveLength(IMAGENET_CLASS_COUNT);
    const wnids = imagenetClasses.map((c) => c.wnid);
    expect(new Set(wnids).size).toBe(1000);
    expect(wnids.every((w) => /^n\d{8}$/.test(w))).toBe(true);
    expect([...wnids].sort()).toEqual(wnids);
    expect(classInfo(0)).toEqual({ wnid: 'n01440764', label: 'tench' });
    expect(classInfo(1)).toEqual({ wnid: 'n01443537', label: 'goldfish' });
    expect(classInfo(563)).toEqual({ wnid: 'n03388183', label: 'fountain_pen' });
    expect(classInfo(999)).toEqual({ wnid: 'n15075141', label: 'toilet_tissue' });
    // The classes the paper names for VGG19's output on a black image.
    expect(classInfo(644).label).toBe('matchstick');
    expect(classInfo(111).label).toBe('nematode');
    expect(classInfo(530).label).toBe('digital_clock');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(imagenetClasses)).toBe(true);
    expect(Object.isFrozen(imagenetClasses[0])).toBe(true);
  });
});

describe('classInfo', () => {
  it('rejects indices outside 0..999 and non-integers', () => {
    for (const bad of [-1, 1000, 2.5, Number.NaN]) {
      expect(() => classInfo(bad)).toThrow(/ImageNet class index .* is out of range \(expected an integer 0\.\.999\)/);
    }
  });
});

describe('findClassIndex', () => {
  it('accepts an index, a WordNet id or a label', () => {
    expect(findClassIndex('563')).toBe(563);
    expect(findClassIndex('n01443537')).toBe(1);
    expect(findClassIndex('great white shark')).toBe(2);
    expect(findClassIndex('Fountain_Pen')).toBe(563);
  });

  it('refuses ambiguous labels, listing both classes, and unknown names', () => {
    expect(() => findClassIndex('crane')).toThrow(/ambiguous.*134 \(n02012849\) or 517 \(n03126707\)/);
    expect(() => findClassIndex('maillot')).toThrow(/638 \(n03710637\) or 639 \(n03710721\)/);
    expect(() => findClassIndex('unicorn')).toThrow(/"unicorn" is not an ImageNet class/);
    expect(() => findClassIndex('n00000001')).toThrow(/n00000001 is not one of the 1000/);
    expect(() => findClassIndex('1000')).toThrow(/out of range/);
  });
});

describe('topClasses', () => {
  it('returns the best classes first, with labels', () => {
    const scores = new Float32Array(1000);
    scores[644] = 0.5;
    scores[111] = 0.25;
    scores[530] = 0.125;
    const top = topClasses(scores, 3);
    expect(top.map((t) => [t.index, t.label, t.score])).toEqual([
      [644, 'matchstick', 0.5],
      [111, 'nematode', 0.25],
      [530, 'digital_clock', 0.125],
    ]);
  });

  it('rejects the wrong number of scores and NaN', () => {
    expect(() => topClasses(new Float32Array(10))).toThrow(/expected 1000 scores, got 10/);
    const scores = new Float32Array(1000);
    scores[3] = Number.NaN;
    expect(() => topClasses(scores)).toThrow(/score 3 \(tiger_shark\) is NaN/);
  });
});
