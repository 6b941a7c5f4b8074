import { makeScrapedGaugeProvider } from '../common/metrics/scraped-gauge.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { GeminiDailyCap } from './gemini-daily-cap.js';
import { ImagesRepository } from './images.repository.js';

/** Gauges read from the database when Prometheus scrapes, so they survive restarts. */
export const IMAGES_METRICS = [
  makeScrapedGaugeProvider({
    name: METRICS.geminiImagesToday,
    help: 'Gemini images generated since 00:00 UTC (what GEMINI_DAILY_IMAGE_LIMIT counts)',
    inject: [GeminiDailyCap],
    read: (dailyCap: GeminiDailyCap) => async (gauge) => gauge.set(await dailyCap.countToday()),
  }),
  makeScrapedGaugeProvider({
    name: METRICS.imagesStored,
    help: 'Images stored and not deleted',
    inject: [ImagesRepository],
    read: (repository: ImagesRepository) => async (gauge) => gauge.set(await repository.countActive()),
  }),
  makeScrapedGaugeProvider({
    name: METRICS.storageBytes,
    help: 'Bytes of image files on disk, by variant',
    labelNames: ['variant'],
    inject: [ImagesRepository],
    read: (repository: ImagesRepository) => async (gauge) => {
      const totals = await repository.storageTotals();
      gauge.set({ variant: 'full' }, totals.fullBytes);
      gauge.set({ variant: 'thumbnail' }, totals.thumbnailBytes);
    },
  }),
];
