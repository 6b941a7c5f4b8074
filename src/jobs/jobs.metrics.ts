import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { METRICS } from '../common/metrics/metric-names.js';
import { makeScrapedGaugeProvider } from '../common/metrics/scraped-gauge.js';
import { GenerationJobsRepository } from './generation-jobs.repository.js';

/** Generations take seconds to minutes, and a line can hold them for many more. */
const JOB_SECONDS = [0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900];

export const JOBS_METRICS = [
  makeScrapedGaugeProvider({
    name: METRICS.jobsQueued,
    help: 'Generation jobs waiting in the queue (every replica’s, read from the database when scraped)',
    inject: [GenerationJobsRepository],
    read: (repository: GenerationJobsRepository) => async (gauge) => gauge.set(await repository.countQueued()),
  }),
  makeHistogramProvider({
    name: METRICS.jobWait,
    help: 'Time a generation job waited in the queue, from asked for to started, by kind',
    labelNames: ['kind'],
    buckets: JOB_SECONDS,
  }),
  makeHistogramProvider({
    name: METRICS.jobRun,
    help: 'Time a generation job ran, from started to finished, by kind and status',
    labelNames: ['kind', 'status'],
    buckets: JOB_SECONDS,
  }),
  makeCounterProvider({
    name: METRICS.webhookDeliveries,
    help: 'Webhook tries by outcome: delivered, refused (a 4xx), retried, failed (out of tries)',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: METRICS.jobQuotaWaits,
    help: 'Times a job met Gemini’s quota (429) and went back to the queue to wait it out',
  }),
];
