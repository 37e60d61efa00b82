import type pg from "pg";
import type { Query } from "./queries.ts";

/**
 * `query` with its parameters written in as SQL literals, so it can share one simple-protocol
 * round trip with BEGIN before it or COMMIT after it (node-postgres sends the next query only
 * once the last is answered). Our parameters are numbers, strings, null and arrays of those; the
 * statement texts have no "$n" inside quotes. Literals are quoted and escaped by the driver's
 * escapeLiteral, so a value is never read as SQL.
 */
export function inlineQuery(client: pg.ClientBase, query: Query, values: readonly unknown[]): string {
  return query.text.replace(/\$(\d+)/g, (_, n: string) => literal(client, values[Number(n) - 1]));
}

/** The statements each connection has PREPAREd for executeQuery. */
const preparedOn = new WeakMap<pg.ClientBase, Set<string>>();

/**
 * `query` as EXECUTE of a statement prepared on this connection, parameters as literals, so it
 * still shares a simple-protocol round trip with BEGIN or COMMIT but is parsed and planned once
 * per connection instead of at every run (planning the notification insert cost more than
 * running it). The first use on a connection PREPAREs it in a round trip of its own: a prepared
 * statement outlives a rolled-back transaction, so one PREPAREd inside a failing round trip could
 * not be told from one that never was.
 */
export async function executeQuery(client: pg.ClientBase, query: Query, values: readonly unknown[]): Promise<string> {
  const name = `${query.name}_inline`;
  const prepared = preparedOn.get(client) ?? new Set<string>();
  if (!prepared.has(name)) {
    await client.query(`PREPARE ${name} AS ${query.text}`);
    preparedOn.set(client, prepared.add(name));
  }
  return `EXECUTE ${name}(${values.map((value) => literal(client, value)).join(", ")})`;
}

function literal(client: pg.ClientBase, value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return `'${value}'`;
  }
  if (typeof value === "string") return client.escapeLiteral(value);
  if (Array.isArray(value)) return client.escapeLiteral(`{${value.map(arrayElement).join(",")}}`);
  throw new TypeError(`no SQL literal for a ${typeof value}`);
}

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") throw new TypeError(`no SQL array element for a ${typeof value}`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
