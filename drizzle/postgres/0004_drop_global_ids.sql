-- Carries the notifications of the global id space over, each under its channel's database (the
-- pattern is parseChannel's: a JSON list of three strings whose first is a database name; any other
-- channel counts under ""). Global ids were unique, so they stay unique per database.
INSERT INTO "bus_notifications" ("dbname", "id", "channel", "message", "created_at")
SELECT COALESCE(substring("channel" from '^\["([A-Za-z0-9][A-Za-z0-9_.-]{0,62})","[^"\\]*","[^"\\]*"\]$'), ''), "id", "channel", "message", "created_at"
FROM "notifications";--> statement-breakpoint
INSERT INTO "notification_counters" ("dbname", "last_id")
SELECT "dbname", max("id") FROM "bus_notifications" GROUP BY "dbname"
ON CONFLICT ("dbname") DO UPDATE SET "last_id" = GREATEST("notification_counters"."last_id", EXCLUDED."last_id");--> statement-breakpoint
DROP TABLE "notification_counter" CASCADE;--> statement-breakpoint
DROP TABLE "notifications" CASCADE;
