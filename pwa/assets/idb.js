// Minimal promise wrapper around IndexedDB database "stampcard".
// Object stores: "keys" (the device CryptoKeyPair under "device") and
// "meta" (the offline card snapshot under "card").

const DB_NAME = 'stampcard';
const DB_VERSION = 1;
let dbPromise = null;

function openDb() {
  if (!('indexedDB' in globalThis)) return Promise.reject(new Error('indexedDB unavailable'));
  dbPromise ||= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('keys')) db.createObjectStore('keys');
      if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
    };
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgrading or the user clearing storage: reopen next time.
      db.onversionchange = () => { db.close(); dbPromise = null; };
      db.onclose = () => { dbPromise = null; };
      resolve(db);
    };
    req.onerror = () => { dbPromise = null; reject(req.error); };
    req.onblocked = () => { dbPromise = null; reject(new Error('indexedDB blocked')); };
  });
  return dbPromise;
}

async function run(storeName, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const req = fn(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export const idbGet = (store, key) => run(store, 'readonly', (s) => s.get(key));
export const idbSet = (store, key, value) => run(store, 'readwrite', (s) => s.put(value, key));
export const idbDelete = (store, key) => run(store, 'readwrite', (s) => s.delete(key));
