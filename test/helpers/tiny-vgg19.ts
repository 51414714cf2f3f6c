/** The synthetic tiny VGG19 of test/fixtures/keras/synthetic and its PyTorch references. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './fixtures.js';
import type { Backend } from '../../src/kernels/backend.js';
import { loadModelFile } from '../../src/models/load-model-file.js';
import type { SequentialModel } from '../../src/models/sequential.js';

export const SYNTHETIC = fixture('keras', 'synthetic');

export function loadTinyVgg19(layout: 'keras1' | 'keras2' | 'keras3' = 'keras1', backend?: Backend): Promise<SequentialModel> {
  const file = { keras1: 'tiny_vgg19_keras1.h5', keras2: 'tiny_vgg19_keras2.h5', keras3: 'tiny_vgg19.weights.h5' }[layout];
  return loadModelFile(join(SYNTHETIC, file), { backend });
}

function f32(name: string): Float32Array {
  const b = readFileSync(join(SYNTHETIC, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export const tinyVgg19Reference = {
  rgb: () => Uint8Array.from(readFileSync(join(SYNTHETIC, 'tiny_vgg19_input_rgb_224x224x3.u8'))),
  preprocessed: () => f32('tiny_vgg19_input_preprocessed_224x224x3.f32'),
  block5Pool: () => f32('tiny_vgg19_expected_block5_pool_7x7x32.f32'),
  logits: () => f32('tiny_vgg19_expected_logits.f32'),
  probabilities: () => f32('tiny_vgg19_expected_probs.f32'),
};
