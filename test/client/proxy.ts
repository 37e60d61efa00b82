import net from "node:net";

/**
 * A TCP proxy between one client and the server, to take that client offline on its own:
 * `cut()` drops its connections and refuses new ones; `freeze()` keeps them open but lets
 * nothing through (a server that stopped answering); `dropReplies()` lets requests reach the
 * server but loses its answers.
 */
export interface Proxy {
  url: string;
  port: number;
  cut(): Promise<void>;
  freeze(): void;
  dropReplies(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, port = 0): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let repliesDropped = false;
  let server: net.Server | undefined;

  const onConnection = (client: net.Socket): void => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (frozen) return; // accepted, never answered
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.on("data", (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!frozen && !repliesDropped) client.write(chunk);
    });
  };

  const listen = (onPort: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const next = net.createServer(onConnection);
      next.once("error", reject);
      next.listen(onPort, "127.0.0.1", () => {
        server = next;
        resolve((next.address() as net.AddressInfo).port);
      });
    });

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (!current) return resolve();
      current.close(() => resolve());
    });

  const actualPort = await listen(port);
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    cut: stopListening,
    freeze() {
      frozen = true;
    },
    dropReplies() {
      repliesDropped = true;
    },
    async restore() {
      frozen = false;
      repliesDropped = false;
      for (const socket of sockets) socket.destroy();
      if (!server) await listen(actualPort);
    },
    close: stopListening,
  };
}
