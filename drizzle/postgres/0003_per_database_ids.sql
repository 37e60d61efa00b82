CREATE TABLE "bus_notifications" (
	"dbname" text NOT NULL,
	"id" bigint NOT NULL,
	"channel" text NOT NULL,
	"message" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "bus_notifications_dbname_id_pk" PRIMARY KEY("dbname","id")
);
--> statement-breakpoint
CREATE TABLE "notification_counters" (
	"dbname" text PRIMARY KEY NOT NULL,
	"last_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "bus_notifications_channel_id" ON "bus_notifications" USING btree ("channel","id");--> statement-breakpoint
CREATE INDEX "bus_notifications_created_at" ON "bus_notifications" USING btree ("created_at");