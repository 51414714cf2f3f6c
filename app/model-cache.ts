/**
 * The last model the user loaded, kept in this browser's IndexedDB so that the next visit starts
 * with it. Only this origin can read it; nothing is sent anywhere. Failures (private windows,
 * storage quota) are reported to the caller as one line and never stop the page.
 */
const DB = 'stieltjes-app';
const STORE = 'models';
const KEY = 'last';

export interface CachedModel {
  /** The files as the user gave them: the weights, and the architecture JSON if any. */
  files: { name: string; bytes: Uint8Array }[];
  savedAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function transact<T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

export async function saveModel(files: CachedModel['files']): Promise<void> {
  const value: CachedModel = { files, savedAt: new Date().toISOString() };
  await transact('readwrite', (s) => s.put(value, KEY));
}

export async function loadCachedModel(): Promise<CachedModel | undefined> {
  const v = await transact<unknown>('readonly', (s) => s.get(KEY));
  return v && typeof v === 'object' && Array.isArray((v as CachedModel).files) ? (v as CachedModel) : undefined;
}

export async function forgetModel(): Promise<void> {
  await transact('readwrite', (s) => s.delete(KEY));
}
