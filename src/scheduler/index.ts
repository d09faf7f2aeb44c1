/** The scheduler's public face: start-up catch-up, then the running scheduler (src/main.ts calls both, in that order). */
export { recoverOnStart, RECOVERY_WAIT_MS, type RecoverOptions, type RecoveryReport } from './recover.ts';
export { drainBackground } from './background.ts';
export { startScheduler, DEFAULT_SCHEDULES, type JobName, type JobStatus, type Scheduler, type SchedulerDeps, type SchedulerStatus } from './scheduler.ts';
export { countOverdueRevokes, isRevokeOverdue, REVOKE_OVERDUE_AFTER_MS } from './overdue.ts';
