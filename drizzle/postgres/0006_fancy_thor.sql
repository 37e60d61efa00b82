CREATE TABLE "fault_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"rule" text NOT NULL,
	"until" bigint,
	"count" integer,
	"fired" integer DEFAULT 0 NOT NULL,
	"added_seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "fault_rules_added_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1)
);
--> statement-breakpoint
CREATE TABLE "terminal_presence" (
	"dbname" text NOT NULL,
	"pos_id" text NOT NULL,
	"node_id" text NOT NULL,
	"held_polls" integer NOT NULL,
	"last_poll_at" bigint,
	"last_ping_at" bigint,
	"last_pong_at" bigint,
	"client_address" text,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "terminal_presence_dbname_pos_id_node_id_pk" PRIMARY KEY("dbname","pos_id","node_id")
);
--> statement-breakpoint
CREATE INDEX "terminal_presence_updated_at" ON "terminal_presence" USING btree ("updated_at");