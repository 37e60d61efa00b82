import type { z } from "zod";
import type { RoutePath } from "../protocol/routes.ts";
import type { Caller } from "./caller.ts";

/** A result that is already JSON text, spliced into the reply without another stringify. */
export class RawJson {
  constructor(readonly json: string) {}
}

/** One JSON-RPC route: its params schema and what it does with valid params. */
export interface RpcRoute<S extends z.ZodType = z.ZodType> {
  params: S;
  handle(params: z.output<S>, caller: Caller): Promise<unknown>;
}

export function rpcRoute<S extends z.ZodType>(params: S, handle: RpcRoute<S>["handle"]): RpcRoute<S> {
  return { params, handle };
}

/** The routes of one family (one file under routes/), by path. */
export type RouteFamily = Partial<Record<RoutePath, RpcRoute>>;
