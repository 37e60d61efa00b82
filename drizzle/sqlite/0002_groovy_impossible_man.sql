CREATE TABLE `nodes` (
	`node_id` text PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`pid` integer NOT NULL,
	`version` text NOT NULL,
	`url` text NOT NULL,
	`started_at` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`held_polls` integer NOT NULL,
	`terminals_online` integer NOT NULL
);
