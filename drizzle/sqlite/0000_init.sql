CREATE TABLE `known_terminals` (
	`dbname` text NOT NULL,
	`pos_id` text NOT NULL,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`dbname`, `pos_id`)
);
--> statement-breakpoint
CREATE TABLE `multi_sessions` (
	`dbname` text NOT NULL,
	`multi_session_id` integer NOT NULL,
	`run_id` integer DEFAULT 1 NOT NULL,
	`order_id` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`dbname`, `multi_session_id`)
);
--> statement-breakpoint
CREATE TABLE `notification_id_floor` (
	`singleton` integer PRIMARY KEY NOT NULL,
	`last_id` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`message` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notifications_channel_id` ON `notifications` (`channel`,`id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`dbname` text NOT NULL,
	`multi_session_id` integer NOT NULL,
	`uid` text NOT NULL,
	`message` text NOT NULL,
	`revision_id` integer DEFAULT 1 NOT NULL,
	`run_id` integer NOT NULL,
	`nonce` text,
	`state` text DEFAULT 'draft' NOT NULL,
	PRIMARY KEY(`dbname`, `multi_session_id`, `uid`)
);
--> statement-breakpoint
CREATE INDEX `orders_state_run` ON `orders` (`dbname`,`multi_session_id`,`state`,`run_id`);--> statement-breakpoint
CREATE TABLE `terminals` (
	`dbname` text NOT NULL,
	`pos_id` integer NOT NULL,
	`multi_session_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`message_id` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`dbname`, `pos_id`)
);
--> statement-breakpoint
CREATE INDEX `terminals_multi_session` ON `terminals` (`dbname`,`multi_session_id`);