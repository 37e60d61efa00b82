/** Deeper than any POS payload (an order line sits about 6 levels down), far below what overflows the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * The path of the first value nested deeper than `maxDepth` levels, or undefined. JSON.parse
 * accepts any depth, but the recursive code after it (JSON.stringify when storing, deep
 * comparison of order lines) would overflow the stack on a hostile payload. Iterative, so
 * checking it cannot overflow either.
 */
export function pathTooDeep(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  return exceedsDepth(value, maxDepth) ? firstPathTooDeep(value, maxDepth) : undefined;
}

/** The check every request pays: depths only, no path strings (those are built only for a refusal). */
function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const item = values.pop();
    const depth = depths.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= maxDepth) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === "object") {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function firstPathTooDeep(value: unknown, maxDepth: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: "" }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.value === null || typeof item.value !== "object") continue;
    if (item.depth >= maxDepth) return shortened(item.path);
    const entries = Array.isArray(item.value)
      ? item.value.map((child, i) => [`[${i}]`, child] as const)
      : Object.entries(item.value).map(([key, child]) => [`${item.path ? "." : ""}${key}`, child] as const);
    for (const [step, child] of entries) stack.push({ value: child, depth: item.depth + 1, path: item.path + step });
  }
  return undefined;
}

/** The first few steps name the field; the rest of a thousand-level path says nothing more. */
function shortened(path: string): string {
  return path.length > 80 ? `${path.slice(0, 80)}…` : path;
}
