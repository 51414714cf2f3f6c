/**
 * A class index's name where the model's classes are known: ImageNet's 1000 (with WordNet id)
 * and the bundled digit model's ten. Browser-safe.
 */
import { imagenetClasses, IMAGENET_CLASS_COUNT } from './imagenet-classes.js';
import type { LayeredModel } from './sequential.js';

export interface ClassLabel {
  label?: string;
  wnid?: string;
}

/** The label of class `index`, or {} when the model's classes are not known. */
export function classLabel(model: Pick<LayeredModel, 'name' | 'numClasses'>, index: number): ClassLabel {
  if (model.numClasses === IMAGENET_CLASS_COUNT) {
    const c = imagenetClasses[index];
    return c ? { label: c.label, wnid: c.wnid } : {};
  }
  // Digit models are recognised by name: ten outputs alone could be any ten classes.
  if (model.numClasses === 10 && /digit/i.test(model.name) && Number.isInteger(index) && index >= 0 && index < 10) return { label: `digit ${index}` };
  return {};
}
