/** Where the bus keeps its cursor (the id of the last notification it handled). */
export interface CursorStorage {
  get(key: string): number | undefined;
  set(key: string, value: number): void;
}

export function memoryStorage(): CursorStorage {
  const values = new Map<string, number>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
  };
}

/** The subset of the Web Storage API we use, so tests can pass a fake. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Keeps the cursor across page reloads, so a reloaded terminal catches up instead of starting over. */
export function localStorageAdapter(storage: WebStorageLike = globalThis.localStorage): CursorStorage {
  return {
    get(key) {
      const raw = storage.getItem(key);
      const value = raw === null ? NaN : Number(raw);
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    },
    set(key, value) {
      storage.setItem(key, String(value));
    },
  };
}
