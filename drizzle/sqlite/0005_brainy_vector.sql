CREATE TABLE `shop_keys` (
	`dbname` text PRIMARY KEY NOT NULL,
	`key_digest` text NOT NULL,
	`updated_at` integer NOT NULL
);
