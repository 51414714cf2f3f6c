/**
 * Memory scopes: every tensor created inside `scope(fn)` is disposed when fn returns, except
 * the tensors found in its result (a tensor, or arrays / plain objects holding tensors), which
 * move to the enclosing scope. Outside any scope, tensors live until disposed by hand.
 */
import { setTensorCreationHook, type Tensor } from './tensor.js';

type ScopeFrame = Set<Tensor>;
const frames: ScopeFrame[] = [];

/** Called by the Tensor constructor (through its creation hook, set when a scope opens). */
function registerInScope(t: Tensor): void {
  frames[frames.length - 1]?.add(t);
}

/** Runs fn and frees every tensor it created but did not return. */
export function scope<T>(fn: () => T): T {
  beginScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  if (result instanceof Promise) {
    endScope(undefined);
    throw new Error('scope: fn returned a Promise; use scopeAsync for async work');
  }
  endScope(result);
  return result;
}

/**
 * The async form: tensors created while fn runs (including after awaits) belong to this scope,
 * so do not run two scopeAsync calls concurrently.
 */
export async function scopeAsync<T>(fn: () => Promise<T>): Promise<T> {
  const frame = beginScope();
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    endScope(undefined, frame);
    throw e;
  }
  endScope(result, frame);
  return result;
}

/** Removes t from the scopes so it survives them; the caller disposes it. */
export function keep<T extends Tensor>(t: T): T {
  for (const f of frames) f.delete(t);
  return t;
}

/** @internal For code (such as the tape) that must hold tensors across scope boundaries. */
export function beginScope(): ScopeFrame {
  setTensorCreationHook(registerInScope);
  const frame: ScopeFrame = new Set();
  frames.push(frame);
  return frame;
}

/** @internal */
export function endScope(result: unknown, frame?: ScopeFrame): void {
  const top = frame ?? frames[frames.length - 1];
  if (!top) throw new Error('endScope: no open scope');
  const idx = frames.lastIndexOf(top);
  if (idx < 0) throw new Error('endScope: scope already closed');
  frames.splice(idx, 1);
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  const parent = frames[idx - 1];
  for (const t of top) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
}

function collectTensors(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  if (isTensor(x)) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) collectTensors(v, out, depth + 1);
    return;
  }
  if (x instanceof Map) {
    for (const v of x.values()) collectTensors(v, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
  }
}

function isTensor(x: object): x is Tensor {
  return typeof (x as Tensor).dispose === 'function' && typeof (x as Tensor).id === 'number' && Array.isArray((x as Tensor).shape);
}

/**
 * @internal Closes `frame` without disposing: the tensors in `result` move to the parent scope
 * and the rest are handed back to the caller, who must dispose them (the tape uses this to keep
 * forward intermediates alive until a pullback runs).
 */
export function detachScope(frame: ScopeFrame, result: unknown): Set<Tensor> {
  const idx = frames.lastIndexOf(frame);
  if (idx < 0) throw new Error('detachScope: scope already closed');
  frames.splice(idx, 1);
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  const parent = frames[idx - 1];
  const rest = new Set<Tensor>();
  for (const t of frame) {
    if (kept.has(t)) parent?.add(t);
    else rest.add(t);
  }
  return rest;
}
