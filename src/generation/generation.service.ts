import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import {
  ContentRefusedError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../common/errors.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { IMAGE_PROVIDER, type ImageProvider, type ImageRequest, type ProvidedImage } from './image-provider.js';

export type GenerationOutcome = 'success' | 'refused' | 'bad_response' | 'unavailable' | 'timeout' | 'error';

/** Asks the configured provider for a picture and records how it went. */
@Injectable()
export class GenerationService {
  constructor(
    @Inject(IMAGE_PROVIDER) private readonly provider: ImageProvider,
    @InjectMetric(METRICS.generations) private readonly generations: Counter<'source' | 'outcome'>,
    @InjectMetric(METRICS.generationDuration) private readonly duration: Histogram<'source' | 'outcome'>,
  ) {}

  get source(): ProvidedImage['source'] {
    return this.provider.source;
  }

  get model(): string | null {
    return this.provider.model;
  }

  async generate(request: ImageRequest): Promise<ProvidedImage> {
    const stopTimer = this.duration.startTimer({ source: this.provider.source });
    let outcome: GenerationOutcome = 'error';
    try {
      const image = await this.provider.generate(request);
      outcome = 'success';
      return image;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      stopTimer({ outcome });
      this.generations.inc({ source: this.provider.source, outcome });
    }
  }
}

function outcomeOf(error: unknown): GenerationOutcome {
  if (error instanceof ContentRefusedError) return 'refused';
  if (error instanceof UpstreamBadResponseError) return 'bad_response';
  if (error instanceof UpstreamUnavailableError) return 'unavailable';
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  return 'error';
}
