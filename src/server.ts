/** The server as a library entry: kept where embedders and tests import it from; assembled in src/app/. */
export { openDeps, startServer, type RunningServer, type ServerOptions } from "./app/server.ts";
