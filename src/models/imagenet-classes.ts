/**
 * The 1000 ImageNet (ILSVRC-2012) classes in the order of Keras's ImageNet models' outputs.
 *
 * Provenance: the table in imagenet-classes.data.ts is Keras's `imagenet_class_index.json`
 * (`{"0": ["n01440764", "tench"], ...}`), the file `keras.applications.imagenet_utils`
 * downloads for `decode_predictions` and checks against the md5 `c2c37ea517e94d9795004a39431a14cb`.
 * It was transcribed from copies of that file committed in public repositories (some copies have
 * edited labels, e.g. "crane (machine)"; those were not followed), and it is verified: the test
 * rebuilds the JSON text exactly as Python's json.dump wrote it and checks that its md5 is
 * Keras's hash above, so every WordNet id and label matches Keras byte for byte.
 * Licence: the file is distributed with Keras (Apache License 2.0); the ids and labels are
 * WordNet 3.0 synset offsets and lemmas (WordNet licence, Princeton University, which permits
 * use and redistribution with its notice) as selected by the ImageNet challenge.
 *
 * The order is the sorted order of the WordNet ids, which is how the ILSVRC class indices were
 * assigned. Two labels occur twice, as in Keras: "crane" (134 the bird, 517 the machine) and
 * "maillot" (638, 639); the WordNet id is the unambiguous key.
 */
import { IMAGENET_CLASS_LINES } from './imagenet-classes.data.js';

export interface ImagenetClass {
  /** WordNet id, e.g. "n01440764". */
  readonly wnid: string;
  /** Keras's short label, e.g. "tench", "great_white_shark". */
  readonly label: string;
}

export const IMAGENET_CLASS_COUNT = 1000;

function parseTable(text: string): readonly ImagenetClass[] {
  const classes = text
    .trim()
    .split('\n')
    .map((line) => {
      const space = line.indexOf(' ');
      return Object.freeze({ wnid: line.slice(0, space), label: line.slice(space + 1) });
    });
  if (classes.length !== IMAGENET_CLASS_COUNT) {
    throw new Error(`imagenet-classes.data.ts: expected ${IMAGENET_CLASS_COUNT} classes, found ${classes.length}`);
  }
  return Object.freeze(classes);
}

/** Class i of a Keras ImageNet model's 1000 outputs. */
export const imagenetClasses: readonly ImagenetClass[] = parseTable(IMAGENET_CLASS_LINES);

/** The class at `index`, with a clear error for anything but an integer in 0..999. */
export function classInfo(index: number): ImagenetClass {
  if (!Number.isInteger(index) || index < 0 || index >= IMAGENET_CLASS_COUNT) {
    throw new Error(`ImageNet class index ${index} is out of range (expected an integer 0..${IMAGENET_CLASS_COUNT - 1})`);
  }
  return imagenetClasses[index]!;
}

/**
 * The index named by `query`: a number ("563"), a WordNet id ("n03388183") or a label
 * ("fountain_pen", spaces accepted for underscores, case-insensitive). A label shared by two
 * classes ("crane", "maillot") is refused with both ids listed, so the caller can pick one.
 */
export function findClassIndex(query: string): number {
  const q = query.trim();
  if (/^\d+$/.test(q)) {
    classInfo(Number(q));
    return Number(q);
  }
  if (/^n\d{8}$/.test(q)) {
    const at = imagenetClasses.findIndex((c) => c.wnid === q);
    if (at < 0) throw new Error(`WordNet id ${q} is not one of the 1000 ImageNet classes`);
    return at;
  }
  const wanted = q.toLowerCase().replace(/\s+/g, '_');
  const matches: number[] = [];
  imagenetClasses.forEach((c, i) => {
    if (c.label.toLowerCase() === wanted) matches.push(i);
  });
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const options = matches.map((i) => `${i} (${imagenetClasses[i]!.wnid})`).join(' or ');
    throw new Error(`ImageNet label "${query}" is ambiguous: it names classes ${options}; give the index or the WordNet id`);
  }
  throw new Error(`"${query}" is not an ImageNet class index, WordNet id or label`);
}

export interface ClassScore extends ImagenetClass {
  readonly index: number;
  readonly score: number;
}

/** The `top` highest-scoring classes, best first (like Keras's decode_predictions). */
export function topClasses(scores: ArrayLike<number>, top = 5): ClassScore[] {
  if (scores.length !== IMAGENET_CLASS_COUNT) {
    throw new Error(`topClasses: expected ${IMAGENET_CLASS_COUNT} scores, got ${scores.length}`);
  }
  if (!Number.isInteger(top) || top < 1) throw new Error(`topClasses: top must be a positive integer, got ${top}`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`topClasses: score ${i} (${imagenetClasses[i]!.label}) is NaN`);
  }
  const order = Array.from({ length: IMAGENET_CLASS_COUNT }, (_, i) => i);
  // Stable sort: equal scores keep index order, so results are deterministic.
  order.sort((a, b) => scores[b]! - scores[a]!);
  return order.slice(0, top).map((index) => ({ index, ...imagenetClasses[index]!, score: scores[index]! }));
}
