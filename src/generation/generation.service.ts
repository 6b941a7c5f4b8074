import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { METRICS } from '../common/metrics/metric-names.js';
import type { ModelCapabilities } from './gemini-models.js';
import { type GenerationOutcome, outcomeOf } from './generation-outcome.js';
import { IMAGE_PROVIDER, type ImageProvider, type ImageRequest, type ProvidedImage } from './image-provider.js';

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

  /** What the model in use takes: requests beyond it are refused before anything is paid. */
  capabilities(): ModelCapabilities {
    return this.provider.capabilities();
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
