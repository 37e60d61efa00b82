import { z } from "zod";
import { DBNAME_PATTERN } from "../protocol/channels.ts";

export const dbnameSchema = z.string().regex(DBNAME_PATTERN, "not a valid database name (letters, digits, _ . -, at most 63)");

/**
 * Keys travel in URL paths (/k/<key>/...), so they keep to URL-safe characters; at least 16 of
 * them, because the store keeps a fast digest (SHA-256, what every request compares) and a short
 * key could be recovered from a copy of the table by trying them all.
 */
export const shopKeySchema = z.string().regex(/^[A-Za-z0-9._~-]{16,200}$/, "a key is 16-200 characters of A-Z a-z 0-9 . _ ~ -");

export const putKeyBody = z.object({ key: shopKeySchema }).strict();

/** The first problem of a failed parse as "<field>: <why>", and the field. */
export function firstIssue(error: z.ZodError, fallbackField: string): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.code === "unrecognized_keys" ? (issue.keys[0] ?? fallbackField) : issue?.path.length ? issue.path.join(".") : fallbackField;
  const why = issue?.code === "invalid_type" && issue.input === undefined ? "missing" : (issue?.message ?? "invalid");
  return { field, message: `${field}: ${why}` };
}
