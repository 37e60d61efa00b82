CREATE TABLE `refused_edits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dbname` text NOT NULL,
	`multi_session_id` integer NOT NULL,
	`uid` text NOT NULL,
	`action` text NOT NULL,
	`reason` text NOT NULL,
	`message` text NOT NULL,
	`pos_id` integer,
	`session_id` integer,
	`login_number` integer,
	`user_id` integer NOT NULL,
	`at` integer NOT NULL,
	`typed_revision` integer,
	`server_revision` integer,
	`server_state` text,
	`status` text DEFAULT 'open' NOT NULL,
	`reapplied_revision` integer,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `refused_edits_session` ON `refused_edits` (`dbname`,`multi_session_id`,`id`);