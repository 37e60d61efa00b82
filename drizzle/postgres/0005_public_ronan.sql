CREATE TABLE "refused_edits" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "refused_edits_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"dbname" text NOT NULL,
	"multi_session_id" integer NOT NULL,
	"uid" text NOT NULL,
	"action" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"pos_id" integer,
	"session_id" integer,
	"login_number" integer,
	"user_id" integer NOT NULL,
	"at" bigint NOT NULL,
	"typed_revision" integer,
	"server_revision" integer,
	"server_state" text,
	"status" text DEFAULT 'open' NOT NULL,
	"reapplied_revision" integer,
	"resolved_at" bigint
);
--> statement-breakpoint
CREATE TABLE "shop_keys" (
	"dbname" text PRIMARY KEY NOT NULL,
	"key_digest" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "refused_edits_session" ON "refused_edits" USING btree ("dbname","multi_session_id","id");