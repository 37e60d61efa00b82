export { BackendClient, type BackendClientOptions } from "./backend.ts";
export { Backoff, type BackoffOptions } from "./backoff.ts";
/** `fullChannelName` is the older name of `channelOf`, kept for existing callers. */
export { CHANNEL, channelNameOf, channelOf, channelOf as fullChannelName } from "../protocol/channels.ts";
export { ConnectionMonitor, type ConnectionMonitorOptions, type ConnectionState } from "./connection-monitor.ts";
export { Emitter } from "./emitter.ts";
export { HttpError, isRetryable, NetworkError, RpcError, StoppedError, type RpcErrorData } from "./errors.ts";
export {
  LongpollBus,
  type BusTransport,
  type ChannelCallback,
  type LongpollBusEvents,
  type LongpollBusOptions,
  type Notification,
} from "./longpoll-bus.ts";
export { isRevisionError } from "../protocol/revision-error.ts";
export { newNonce } from "./nonce.ts";
export type {
  MultiSessionMessage,
  OrderData,
  RemoveOrderReply,
  SyncAllData,
  SyncAllReply,
  UpdateOrderReply,
  UpdateParams,
  PollParams,
  WireNotification,
  RevisionError,
} from "../protocol/messages.ts";
export {
  MultiSessionClient,
  type ChangeSource,
  type MultiSessionClientOptions,
  type MultiSessionEvents,
  type RemoveResult,
  type SyncResult,
  type UpdateResult,
} from "./multi-session.ts";
export { MessageSequence, type Step } from "./message-sequence.ts";
export { OrderBook, type ApplyOutcome, type LocalOrder } from "./order-book.ts";
export { RequestQueue, type RequestQueueOptions, type Task } from "./request-queue.ts";
export { KEY_PREFIX, keyPrefix, ROUTES, STREAM_ROUTE } from "../protocol/routes.ts";
export { SseParser, type SseEvent } from "./sse-parser.ts";
export { StartTimeoutError } from "./start-timeout.ts";
export { localStorageAdapter, memoryStorage, type CursorStorage, type WebStorageLike } from "./storage.ts";
export { Transport, type CallOptions, type TransportOptions } from "./transport.ts";
