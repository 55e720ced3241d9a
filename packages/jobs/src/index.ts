export { SalConnectionError, SalSchemaVersionError, maskUrl } from './errors.js';
export { stableStringify, jobKey, keyToUuid } from './canonical.js';
export { parsePlan, MAX_PLAN_JOBS, type Plan, type PlannedJob } from './plan.js';
export { checkDbUrl, connectPool, type ConnectOptions } from './connect.js';
export { SCHEMA_VERSION, SAL_SCHEMA, BOSS_SCHEMA, ensureSchema } from './schema.js';
export {
  JobDatabase,
  queueName,
  DEAD_LETTER_QUEUE,
  checkArtefactName,
  type JobDatabaseOptions,
  type SubmitOptions,
  type SubmitReport,
  type JobState,
  type JobStatus,
  type StoredResult,
  type ArtefactInfo,
} from './database.js';
export {
  runWorker,
  type JobContext,
  type JobOutput,
  type JobHandler,
  type JobHandlers,
  type WorkerOptions,
  type WorkerEvent,
  type WorkerSummary,
} from './worker.js';
export { startLocalPostgres, findPostgresBin, embeddedPostgresBin, type LocalPostgres, type LocalPostgresOptions } from './local-server.js';
