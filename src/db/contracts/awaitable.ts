/**
 * A contract method's result: the SQLite store (one process) answers most reads at once, the
 * PostgreSQL store (any number of processes on one database) with a promise.
 */
export type Awaitable<T> = T | Promise<T>;
