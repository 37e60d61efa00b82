import type { Store } from "../../src/db/store.ts";

/** Every id scope's last committed id as one comparable string: it changes whenever anything is committed, in any database. */
export async function committedIds(store: Store): Promise<string> {
  const ids = await store.lastCommittedIds();
  return ids
    .map(({ scope, lastId }) => `${scope}:${lastId}`)
    .sort()
    .join(" ");
}

/** The highest id committed in any scope; 0 when nothing ever was. */
export async function highestCommittedId(store: Store): Promise<number> {
  return (await store.lastCommittedIds()).reduce((highest, { lastId }) => Math.max(highest, lastId), 0);
}
