/**
 * The benchmarks must keep running: each one, at its tiny `smoke` size (SQLite only), returns a table and
 * figures with units. Shape only — a benchmark's numbers are never asserted (they depend on the machine).
 */
import { describe, expect, it } from 'vitest';
import { bench as ack } from '../../../bench/slack-ack.ts';
import { bench as footprint } from '../../../bench/footprint.ts';
import { bench as logScale } from '../../../bench/log-scale.ts';
import { bench as revokeLateness } from '../../../bench/revoke-lateness.ts';
import { bench as throughput } from '../../../bench/throughput.ts';
import { bench as timeToAccess } from '../../../bench/time-to-access.ts';
import { BENCHMARKS } from '../../../bench/lib/benchmarks.ts';
import type { BenchResult } from '../../../bench/lib/report.ts';

const UNITS = ['ms', 's', 'MB', 'requests/s', 'events/s', 'count', 'ratio'];

function expectShape(result: BenchResult, metrics: string[]): void {
  expect(result.rows.length).toBeGreaterThan(0);
  for (const row of result.rows) expect(row).toHaveLength(result.header.length);
  for (const figure of result.figures) {
    expect(UNITS).toContain(figure.unit);
    expect(figure.value === null || Number.isFinite(figure.value)).toBe(true);
  }
  const measured = new Set(result.figures.filter((f) => f.value !== null).map((f) => f.metric));
  for (const metric of metrics) expect(measured).toContain(metric);
}

describe('npm run bench, at smoke size', () => {
  it('lists every benchmark file it runs', () => {
    expect([...BENCHMARKS].sort()).toEqual(['footprint', 'log-scale', 'revoke-lateness', 'slack-ack', 'throughput', 'time-to-access']);
  });

  it('ack latency: accessbot and the bare Bolt floor, per concurrency', async () => {
    const result = await ack('smoke');
    expectShape(result, ['ack_request_access_p99', 'ack_approve_click_p99', 'ack_request_access_p99_ratio_to_bare_bolt']);
    expect(new Set(result.figures.map((f) => f.labels.concurrency))).toEqual(new Set([1, 5]));
  }, 120_000);

  it('time to access: Approve → the PostgreSQL login connects', async () => {
    expectShape(await timeToAccess('smoke'), ['approve_to_login_connects_p50', 'approve_to_login_connects_p99']);
  }, 120_000);

  it('throughput: requests filed per second, command → card', async () => {
    expectShape(await throughput('smoke'), ['requests_filed_per_second', 'command_to_card_p99']);
  }, 120_000);

  it('revoke lateness on a webhook target', async () => {
    const result = await revokeLateness('smoke');
    expectShape(result, ['revoke_lateness_p99', 'revoked']);
    expect(result.figures.find((f) => f.metric === 'revoked')?.value).toBe(20);
  }, 120_000);

  it('log scale: one-day digest, audit verify and export', async () => {
    expectShape(await logScale('smoke'), ['one_day_digest', 'one_day_digest_peak_rss', 'audit_verify', 'audit_export_jsonl']);
  }, 120_000);

  it('footprint: cold start, idle RSS, RSS under load, CLI', async () => {
    const result = await footprint('smoke');
    expectShape(result, ['cold_start_to_healthz_p50', 'idle_rss', 'rss_after_requests', 'cli_help_p50', 'cli_policy_check_p50']);
    expect(result.notes.join('\n')).toContain('none doubled: yes');
  }, 120_000);
});
