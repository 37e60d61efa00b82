import type Database from "better-sqlite3";
import type { Notification } from "../contracts/notification-log.ts";

const NOTIFICATION_COLUMNS = "id, channel, message";

type NotificationRange = { afterId: number; upToId: number };
type IdRow = { id: number; createdAt: number };

/**
 * The statements of the notification log (group-commit.ts and notification-ids.ts run some).
 * @internal: no declaration is written, its statement types cannot be named outside better-sqlite3.
 */
export function prepareNotificationLog(sqlite: Database.Database) {
  return {
    insertNotification: sqlite.prepare<[id: number, channel: string, message: string, createdAt: number]>(
      "INSERT INTO notifications (id, channel, message, created_at) VALUES (?, ?, ?, ?)",
    ),
    lastNotification: sqlite.prepare<[], IdRow>("SELECT id, created_at AS createdAt FROM notifications ORDER BY id DESC LIMIT 1"),
    firstNotificationFrom: sqlite.prepare<{ id: number }, IdRow>("SELECT id, created_at AS createdAt FROM notifications WHERE id >= :id ORDER BY id LIMIT 1"),
    idFloor: sqlite.prepare<[], { lastId: number }>("SELECT last_id AS lastId FROM notification_id_floor"),
    saveIdFloor: sqlite.prepare<{ lastId: number }>(
      "INSERT INTO notification_id_floor (singleton, last_id) VALUES (1, :lastId) ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id",
    ),
    deleteUpToId: sqlite.prepare<{ upToId: number }, { id: number }>("DELETE FROM notifications WHERE id <= :upToId RETURNING id"),
    notificationById: sqlite.prepare<[number], Notification>(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id = ?`),
    idsAndChannels: sqlite.prepare<[], [number, string]>("SELECT id, channel FROM notifications ORDER BY id").raw(),
    notificationsBetween: sqlite.prepare<NotificationRange, Notification>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id > :afterId AND id <= :upToId ORDER BY id`,
    ),
  };
}
