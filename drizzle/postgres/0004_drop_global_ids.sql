DROP TABLE "notification_counter" CASCADE;--> statement-breakpoint
DROP TABLE "notifications" CASCADE;