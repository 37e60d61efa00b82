import type pg from "pg";
import { executeQuery } from "./inline-query.ts";
import type { Query } from "./queries.ts";

export async function run<R>(client: pg.ClientBase, query: Query, values: unknown[]): Promise<R[]> {
  return (await client.query<R & pg.QueryResultRow>({ name: query.name, text: query.text, values })).rows;
}

/** Rolls back; returns the error that makes the connection unfit to go back to the pool, if any. */
export async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/**
 * Where a transaction is. Fix for PostgreSQL a network hop away, where each round trip is the
 * cost: BEGIN is not sent on its own but with the first statement, and COMMIT with the
 * notifications, the last statement (both as one simple-protocol query: EXECUTE of a statement
 * prepared on the connection, parameters written in as literals). A broadcast takes 2 round
 * trips instead of 5 (its terminals' message ids are counted in the last), a PONG 1 instead of 3.
 */
export interface TxRound {
  begun: boolean;
  /** COMMIT was sent: if its answer is lost, the outcome is unknown. */
  committing: boolean;
  committed: boolean;
}

/** `query` as the transaction's next statement; `commit`: also its last. */
export async function step<R>(client: pg.ClientBase, round: TxRound, query: Query, values: unknown[], commit = false): Promise<R[]> {
  if (round.committed) throw new Error("the transaction is already committed");
  if (round.begun && !commit) return run<R>(client, query, values);
  const execute = await executeQuery(client, query, values);
  const begin = !round.begun;
  round.begun = true;
  if (commit) round.committing = true;
  const results = (await client.query(`${begin ? "BEGIN; " : ""}${execute}${commit ? "; COMMIT" : ""}`)) as unknown as pg.QueryResult[];
  if (commit) round.committed = true;
  return results[begin ? 1 : 0]!.rows as R[];
}
