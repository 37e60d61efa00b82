ALTER TABLE "terminal_presence" ADD COLUMN "delivered_id" bigint;--> statement-breakpoint
ALTER TABLE "terminal_presence" ADD COLUMN "acknowledged_id" bigint;--> statement-breakpoint
ALTER TABLE "terminal_presence" ADD COLUMN "unacknowledged" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "terminal_presence" ADD COLUMN "unacknowledged_since" bigint;