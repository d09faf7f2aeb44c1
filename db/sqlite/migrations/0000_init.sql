CREATE TABLE `audit_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`request_id` integer,
	`grant_id` text,
	`from_status` text,
	`to_status` text,
	`details` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_events` (`at`);--> statement-breakpoint
CREATE INDEX `audit_request` ON `audit_events` (`request_id`);--> statement-breakpoint
CREATE TABLE `chat_messages` (
	`platform` text NOT NULL,
	`request_id` integer NOT NULL,
	`channel` text NOT NULL,
	`message_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_messages_pk` ON `chat_messages` (`platform`,`request_id`);--> statement-breakpoint
CREATE TABLE `digests` (
	`period` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	`posted_at` integer
);
--> statement-breakpoint
CREATE TABLE `grants` (
	`id` text PRIMARY KEY NOT NULL,
	`request_id` integer NOT NULL,
	`role` text NOT NULL,
	`resource` text NOT NULL,
	`status` text NOT NULL,
	`starts_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`lease_owner` text,
	`lease_until` integer,
	`applied_expires_at` integer,
	`revoke_reason` text,
	`revoked_by` text,
	`revoke_requested_at` integer,
	`revoked_at` integer,
	`credentials` text,
	`reminded_at` integer,
	`alerted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `grants_one_per_request` ON `grants` (`request_id`);--> statement-breakpoint
CREATE INDEX `grants_status_expires` ON `grants` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `grants_status_next` ON `grants` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `kv` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`notice` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe` ON `outbox` (`platform`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`extends_grant_id` text,
	`role` text NOT NULL,
	`resource` text NOT NULL,
	`requester_key` text NOT NULL,
	`requester_email` text,
	`requester_slack_id` text,
	`requester_teams_id` text,
	`requester_name` text,
	`duration_ms` integer NOT NULL,
	`reason` text NOT NULL,
	`ticket` text,
	`break_glass` integer DEFAULT false NOT NULL,
	`auto_approved` integer DEFAULT false NOT NULL,
	`approvals_required` integer NOT NULL,
	`status` text NOT NULL,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`lapses_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text,
	`decision_note` text
);
--> statement-breakpoint
CREATE INDEX `requests_status_lapses` ON `requests` (`status`,`lapses_at`);--> statement-breakpoint
CREATE INDEX `requests_requester` ON `requests` (`requester_key`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` integer NOT NULL,
	`reviewer_key` text NOT NULL,
	`reviewer_email` text,
	`reviewer_slack_id` text,
	`reviewer_teams_id` text,
	`reviewer_name` text,
	`decision` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_one_per_reviewer` ON `reviews` (`request_id`,`reviewer_key`);