/** Metric names in one place, so providers, the middleware and tests agree. */
export const METRICS = {
  httpRequestDuration: 'http_request_duration_seconds',
  generations: 'image_generations_total',
  generationDuration: 'image_generation_duration_seconds',
  geminiCalls: 'gemini_calls_total',
  geminiSpend: 'gemini_estimated_spend_usd_total',
  imagesStored: 'images_stored',
  storageBytes: 'image_storage_bytes',
  sceneCacheRequests: 'scene_cache_requests_total',
  sceneSingleFlightJoins: 'scene_single_flight_joins_total',
  geminiImagesToday: 'gemini_images_today',
  jobRuns: 'maintenance_job_runs_total',
  jobDuration: 'maintenance_job_duration_seconds',
  backups: 'backups_total',
  backupDuration: 'backup_duration_seconds',
  backupLastSuccess: 'backup_last_success_timestamp_seconds',
} as const;
