import type { RevisionError } from "./messages.ts";

/** Apart from the schemas (zod) so the browser build of the client carries none of them. */
export function isRevisionError(reply: unknown): reply is RevisionError {
  return typeof reply === "object" && reply !== null && (reply as { action?: unknown }).action === "revision_error";
}
