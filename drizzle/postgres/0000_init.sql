CREATE TABLE "known_terminals" (
	"dbname" text NOT NULL,
	"pos_id" text NOT NULL,
	"last_seen" bigint NOT NULL,
	CONSTRAINT "known_terminals_dbname_pos_id_pk" PRIMARY KEY("dbname","pos_id")
);
--> statement-breakpoint
CREATE TABLE "multi_sessions" (
	"dbname" text NOT NULL,
	"multi_session_id" integer NOT NULL,
	"run_id" integer DEFAULT 1 NOT NULL,
	"order_id" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "multi_sessions_dbname_multi_session_id_pk" PRIMARY KEY("dbname","multi_session_id")
);
--> statement-breakpoint
CREATE TABLE "notification_counter" (
	"singleton" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_id" bigint NOT NULL,
	CONSTRAINT "notification_counter_singleton" CHECK ("notification_counter"."singleton" = 1)
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigint PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"message" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"dbname" text NOT NULL,
	"multi_session_id" integer NOT NULL,
	"uid" text NOT NULL,
	"message" text NOT NULL,
	"revision_id" integer DEFAULT 1 NOT NULL,
	"run_id" integer NOT NULL,
	"nonce" text,
	"state" text DEFAULT 'draft' NOT NULL,
	"created_seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "orders_created_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	CONSTRAINT "orders_dbname_multi_session_id_uid_pk" PRIMARY KEY("dbname","multi_session_id","uid")
);
--> statement-breakpoint
CREATE TABLE "terminals" (
	"dbname" text NOT NULL,
	"pos_id" integer NOT NULL,
	"multi_session_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"message_id" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "terminals_dbname_pos_id_pk" PRIMARY KEY("dbname","pos_id")
);
--> statement-breakpoint
CREATE INDEX "notifications_channel_id" ON "notifications" USING btree ("channel","id");--> statement-breakpoint
CREATE INDEX "notifications_created_at" ON "notifications" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "orders_state_run" ON "orders" USING btree ("dbname","multi_session_id","state","run_id");--> statement-breakpoint
CREATE INDEX "terminals_multi_session" ON "terminals" USING btree ("dbname","multi_session_id");