DROP INDEX "audit_request";--> statement-breakpoint
CREATE INDEX "audit_request_seq" ON "audit_events" USING btree ("request_id","seq");--> statement-breakpoint
CREATE INDEX "audit_grant_opened" ON "audit_events" USING btree ("at") WHERE action = 'grant.created';--> statement-breakpoint
CREATE INDEX "audit_grant_closed" ON "audit_events" USING btree ("grant_id") WHERE action IN ('grant.revoked', 'grant.failed');