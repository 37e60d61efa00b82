import { z } from "zod";
import { ValidationError } from "../errors.ts";
import type { PlainRequest } from "../http/route.ts";
import { parseOrThrow } from "../validation.ts";

/** How a console list is searched, sorted and paged: `?q=&sort=&order=&offset=&limit=` (docs/console.md). */

export const LIST_LIMIT_MAX = 200;
const LIST_LIMIT_DEFAULT = 50;
const SORTS = ["problems", "name", "activity"] as const;
export type ListSort = (typeof SORTS)[number];
/** Most problems and the latest activity come first unless asked otherwise; names go A to Z. */
const DEFAULT_ORDER: Record<ListSort, "asc" | "desc"> = { problems: "desc", name: "asc", activity: "desc" };

const integer = (message: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message);

const listQuerySchema = z.object({
  q: z.string().max(100, "at most 100 characters").default(""),
  sort: z.enum(SORTS, { error: "expected problems, name or activity" }).default("problems"),
  order: z.enum(["asc", "desc"], { error: "expected asc or desc" }).optional(),
  offset: integer("expected an integer >= 0", 0, Number.MAX_SAFE_INTEGER).default(0),
  limit: integer(`expected an integer from 1 to ${LIST_LIMIT_MAX}`, 1, LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
});

export interface ListQuery {
  /** Kept when one of the item's texts contains it, ignoring case; "" keeps every item. */
  q: string;
  sort: ListSort;
  order: "asc" | "desc";
  offset: number;
  limit: number;
}

/** The request's list parameters, checked: a bad or unknown one throws the ValidationError naming it. */
export function listQuery(request: PlainRequest): ListQuery {
  for (const name of request.query.keys()) {
    if (!(name in listQuerySchema.shape)) throw new ValidationError(`${name}: not a parameter of this list (q, sort, order, offset, limit)`, name);
  }
  const parsed = parseOrThrow(listQuerySchema, Object.fromEntries(request.query));
  return { ...parsed, order: parsed.order ?? DEFAULT_ORDER[parsed.sort] };
}

/** What an item is searched and sorted by. */
export interface ListKeys {
  name: string | number;
  problems: number;
  lastActivityAt: number | null;
  /** What `q` is looked for in. */
  text: readonly string[];
}

export interface ListPage<T> {
  /** Items that match `q`, on every page. */
  total: number;
  /** Of those, how many have a problem. */
  withProblems: number;
  q: string;
  sort: ListSort;
  order: "asc" | "desc";
  offset: number;
  limit: number;
  items: T[];
}

/** The items that match the query, sorted (ties by name, A to Z), and the requested page of them. */
export function pageOf<T>(items: Iterable<T>, query: ListQuery, keysOf: (item: T) => ListKeys): ListPage<T> {
  const needle = query.q.toLowerCase();
  const rows: { item: T; keys: ListKeys }[] = [];
  let withProblems = 0;
  for (const item of items) {
    const keys = keysOf(item);
    if (needle && !keys.text.some((text) => text.toLowerCase().includes(needle))) continue;
    if (keys.problems > 0) withProblems += 1;
    rows.push({ item, keys });
  }
  const direction = query.order === "asc" ? 1 : -1;
  const primary = sortKey[query.sort];
  rows.sort((a, b) => direction * compare(primary(a.keys), primary(b.keys)) || compare(a.keys.name, b.keys.name));
  const { q, sort, order, offset, limit } = query;
  return { total: rows.length, withProblems, q, sort, order, offset, limit, items: rows.slice(offset, offset + limit).map((row) => row.item) };
}

const sortKey: Record<ListSort, (keys: ListKeys) => string | number> = {
  name: (keys) => keys.name,
  problems: (keys) => keys.problems,
  // Never seen sorts as the oldest.
  activity: (keys) => keys.lastActivityAt ?? Number.NEGATIVE_INFINITY,
};

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
