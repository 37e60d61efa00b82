/** GET a console JSON route, with a key as Authorization: Bearer when given. */
export async function getJson<T = any>(baseUrl: string, path: string, key?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  return { status: response.status, body: (await response.json()) as T };
}
