import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/** Parses `value` or throws a ValidationError naming each bad field, under `prefix` when given. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(describeIssues(result.error, prefix));
  return result.data;
}

/** "channels[0]: only string channels are allowed; last: expected a number" */
function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues.map((issue) => `${formatPath(prefix, issue.path)}: ${issue.message}`).join("; ");
}

function formatPath(prefix: string | undefined, path: readonly PropertyKey[]): string {
  let text = prefix ?? "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `${text ? "." : ""}${String(part)}`;
  return text || "params";
}
