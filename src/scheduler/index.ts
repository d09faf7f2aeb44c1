/** The scheduler's public face: start-up catch-up, then the running scheduler (src/main.ts calls both, in that order). */
export { recoverOnStart, type RecoverOptions, type RecoveryReport } from './recover.ts';
export { startScheduler, type JobName, type JobStatus, type Scheduler, type SchedulerDeps, type SchedulerStatus } from './scheduler.ts';
