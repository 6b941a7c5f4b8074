import { Injectable } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { METRICS } from '../common/metrics/metric-names.js';
import { GeminiDailyCap } from './gemini-daily-cap.js';
import { ImagesRepository } from './images.repository.js';

/** Gauges read from the database when Prometheus scrapes, so they survive restarts. */
@Injectable()
export class ImagesMetrics {
  constructor(repository: ImagesRepository, dailyCap: GeminiDailyCap) {
    new Gauge({
      name: METRICS.geminiImagesToday,
      help: 'Gemini images generated since 00:00 UTC (what GEMINI_DAILY_IMAGE_LIMIT counts)',
      registers: [register],
      async collect() {
        this.set(await dailyCap.countToday());
      },
    });
    new Gauge({
      name: METRICS.imagesStored,
      help: 'Images stored and not deleted',
      registers: [register],
      async collect() {
        this.set(await repository.countActive());
      },
    });
    new Gauge({
      name: METRICS.storageBytes,
      help: 'Bytes of image files on disk, by variant',
      labelNames: ['variant'],
      registers: [register],
      async collect() {
        const totals = await repository.storageTotals();
        this.set({ variant: 'full' }, totals.fullBytes);
        this.set({ variant: 'thumbnail' }, totals.thumbnailBytes);
      },
    });
  }
}
