/**
 * node --import tsx bench/delay-proxy.ts LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS: a TCP
 * proxy that holds every chunk DELAY_MS before passing it on, each way, in order: PostgreSQL
 * as a real deployment has it, a network hop away. A process of its own, so its work is not
 * the load generator's. Prints "listening" once it accepts connections.
 */
import { connect, createServer, type Socket } from "node:net";

const [listenPort, targetHost, targetPort, delayMs] = process.argv.slice(2);
const delay = Number(delayMs);

/** Chunks leave in arrival order, each `delay` after it came: one timer per chunk keeps that (timers of equal delay fire in order). */
function delayed(from: Socket, to: Socket): void {
  from.on("data", (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delay);
  });
  from.on("end", () => setTimeout(() => to.end(), delay));
  from.on("error", () => to.destroy());
  from.on("close", () => setTimeout(() => to.destroy(), delay));
}

const server = createServer((client) => {
  client.setNoDelay(true);
  const upstream = connect({ host: targetHost, port: Number(targetPort) });
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
});
server.listen(Number(listenPort), "127.0.0.1", () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => process.exit(0));
