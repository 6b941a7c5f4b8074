import { Injectable } from '@nestjs/common';
import { METRICS } from '../common/metrics/metric-names.js';
import { registerScrapedGauge } from '../common/metrics/scraped-gauge.js';
import { GeminiDailyCap } from './gemini-daily-cap.js';
import { ImagesRepository } from './images.repository.js';

/** Gauges read from the database when Prometheus scrapes, so they survive restarts. */
@Injectable()
export class ImagesMetrics {
  constructor(repository: ImagesRepository, dailyCap: GeminiDailyCap) {
    registerScrapedGauge({
      name: METRICS.geminiImagesToday,
      help: 'Gemini images generated since 00:00 UTC (what GEMINI_DAILY_IMAGE_LIMIT counts)',
      async collect() {
        this.set(await dailyCap.countToday());
      },
    });
    registerScrapedGauge({
      name: METRICS.imagesStored,
      help: 'Images stored and not deleted',
      async collect() {
        this.set(await repository.countActive());
      },
    });
    registerScrapedGauge({
      name: METRICS.storageBytes,
      help: 'Bytes of image files on disk, by variant',
      labelNames: ['variant'],
      async collect() {
        const totals = await repository.storageTotals();
        this.set({ variant: 'full' }, totals.fullBytes);
        this.set({ variant: 'thumbnail' }, totals.thumbnailBytes);
      },
    });
  }
}
