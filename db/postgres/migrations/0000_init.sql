CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"request_id" integer,
	"grant_id" text,
	"from_status" text,
	"to_status" text,
	"details" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chat_messages" (
	"platform" text NOT NULL,
	"request_id" integer NOT NULL,
	"channel" text NOT NULL,
	"message_id" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "digests" (
	"period" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"lease_owner" text,
	"lease_until" bigint,
	"created_at" bigint NOT NULL,
	"posted_at" bigint
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" integer NOT NULL,
	"role" text NOT NULL,
	"resource" text NOT NULL,
	"status" text NOT NULL,
	"starts_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint,
	"last_error" text,
	"lease_owner" text,
	"lease_until" bigint,
	"applied_expires_at" bigint,
	"revoke_reason" text,
	"revoked_by" text,
	"revoke_requested_at" bigint,
	"revoked_at" bigint,
	"credentials" text,
	"reminded_at" bigint,
	"alerted_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kv" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"notice" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"lease_owner" text,
	"lease_until" bigint,
	"last_error" text,
	"created_at" bigint NOT NULL,
	"sent_at" bigint
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"extends_grant_id" text,
	"role" text NOT NULL,
	"resource" text NOT NULL,
	"requester_key" text NOT NULL,
	"requester_email" text,
	"requester_slack_id" text,
	"requester_teams_id" text,
	"requester_name" text,
	"duration_ms" bigint NOT NULL,
	"reason" text NOT NULL,
	"ticket" text,
	"break_glass" boolean DEFAULT false NOT NULL,
	"auto_approved" boolean DEFAULT false NOT NULL,
	"approvals_required" integer NOT NULL,
	"status" text NOT NULL,
	"origin" text NOT NULL,
	"created_at" bigint NOT NULL,
	"lapses_at" bigint NOT NULL,
	"decided_at" bigint,
	"decided_by" text,
	"decision_note" text
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_id" integer NOT NULL,
	"reviewer_key" text NOT NULL,
	"reviewer_email" text,
	"reviewer_slack_id" text,
	"reviewer_teams_id" text,
	"reviewer_name" text,
	"decision" text NOT NULL,
	"note" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_at" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_request" ON "audit_events" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_messages_pk" ON "chat_messages" USING btree ("platform","request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "grants_one_per_request" ON "grants" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "grants_status_expires" ON "grants" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "grants_status_next" ON "grants" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe" ON "outbox" USING btree ("platform","dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "requests_status_lapses" ON "requests" USING btree ("status","lapses_at");--> statement-breakpoint
CREATE INDEX "requests_requester" ON "requests" USING btree ("requester_key");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_one_pending" ON "requests" USING btree ("requester_key","role") WHERE status = 'pending' AND kind = 'access';--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_one_per_reviewer" ON "reviews" USING btree ("request_id","reviewer_key");