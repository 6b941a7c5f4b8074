import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config.js';
import { GeminiModelChain } from './gemini-model-chain.js';

/**
 * `gemini`: the model in use and those found retired. A retired model is degraded, never
 * down: the gallery and the cache still work, and a replica taken out of rotation would not
 * bring the model back.
 */
@Injectable()
export class GeminiModelIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly models: GeminiModelChain,
    private readonly config: AppConfig,
  ) {}

  /** Only when Gemini draws; the local provider has no model to report. */
  get enabled(): boolean {
    return this.config.generation.provider === 'gemini';
  }

  check() {
    const check = this.indicators.check('gemini');
    const { current, retired, models } = this.models;
    const details = { model: current ?? null, models: [...models], retired };
    if (retired.length === 0) return check.up(details);
    const message = current
      ? `Gemini answered "not found" for ${retired.join(', ')}; using ${current}. Update GEMINI_MODEL.`
      : `Every model in GEMINI_MODEL was found retired; image generation fails until GEMINI_MODEL names a current model.`;
    return check.degraded({ ...details, message });
  }
}
