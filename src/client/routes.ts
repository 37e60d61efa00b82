/** Every HTTP path the client calls, in one place. */
export const ROUTES = {
  poll: "/longpolling/poll",
  ping: "/pos_longpolling/update",
  multiSessionUpdate: "/pos_multi_session_sync/update",
  // Not final on the server yet (issue 4): change them here only.
  backendSendToChannel: "/pos_longpolling/backend/send_to_channel",
  backendSendToAll: "/pos_longpolling/backend/send_to_all",
} as const;

export const CHANNEL = {
  multiSession: "pos.multi_session",
  longpolling: "pos.longpolling",
} as const;
