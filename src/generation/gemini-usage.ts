import type { Counter } from 'prom-client';
import { estimatedPriceUsd, type ImagePrices, type ImageSize } from './gemini-models.js';
import type { GenerationOutcome } from './generation-outcome.js';

/** What the Gemini provider reports of each call, per model: for /metrics. */
export interface GeminiUsage {
  /** One HTTP call to a model (every retry is one), and how it ended. */
  called(model: string, outcome: GenerationOutcome): void;
  /** A model drew an image: it is billed. */
  drew(model: string, size: ImageSize): void;
}

export const UNRECORDED_USAGE: GeminiUsage = { called: () => undefined, drew: () => undefined };

/** Counts calls and estimated spend (the price table, GEMINI_PRICES first) per model. */
export class GeminiUsageMetrics implements GeminiUsage {
  constructor(
    private readonly calls: Counter<'model' | 'outcome'>,
    private readonly spend: Counter<'model'>,
    private readonly prices: Record<string, ImagePrices>,
  ) {}

  called(model: string, outcome: GenerationOutcome): void {
    this.calls.inc({ model, outcome });
  }

  drew(model: string, size: ImageSize): void {
    const usd = estimatedPriceUsd(model, size, this.prices);
    // Zero still creates the series, so a model without a known price shows up at 0.
    this.spend.inc({ model }, usd ?? 0);
  }
}
