/**
 * The cluster test run (POS_SYNC_TEST_STORE=cluster): the server fixture starts two nodes on one
 * PostgreSQL schema, and each simulated terminal speaks to one of them, chosen by its pos id, so
 * every scenario's terminals are split across the nodes. Elsewhere a URL is its own only node.
 */
const clusters = new Map<string, readonly string[]>();

/** `urls[0]` is the URL the test sees as `server.url`. */
export function registerCluster(urls: readonly string[]): () => void {
  clusters.set(urls[0]!, urls);
  return () => void clusters.delete(urls[0]!);
}

/** Every node of the server at `url` (just `url` off the cluster run). */
export function nodeUrlsOf(url: string): readonly string[] {
  return clusters.get(url) ?? [url];
}

/**
 * The node terminal `posId` of the server at `url` speaks to: odd and even pos ids on different
 * nodes, pos id 1 on the first (the one tests call directly, e.g. for test GC), 2 on the second.
 */
export function nodeUrlFor(url: string, posId: number): string {
  const urls = nodeUrlsOf(url);
  return urls[Math.abs(posId - 1) % urls.length]!;
}
