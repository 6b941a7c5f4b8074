import { Logger, Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Clock } from '../common/clock.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { type OptionalRedis, REDIS } from '../redis/redis.module.js';
import { ReplicaEvents } from '../redis/replica-events.js';
import { GeminiImageProvider } from './gemini-image.provider.js';
import { GeminiModelChain, NO_SHARED_RETIREMENTS } from './gemini-model-chain.js';
import { GeminiModelIndicator } from './gemini-model.health.js';
import { GeminiUsageMetrics } from './gemini-usage.js';
import { GenerationService } from './generation.service.js';
import { IMAGE_PROVIDER, type ImageProvider } from './image-provider.js';
import { LocalImageProvider } from './local-image.provider.js';
import { RedisRetiredModels } from './redis-retired-models.js';

function createImageProvider(
  config: AppConfig,
  models: GeminiModelChain,
  calls: Counter<'model' | 'outcome'>,
  spend: Counter<'model'>,
): ImageProvider {
  const { generation } = config;
  const logger = new Logger('ImageProvider');
  if (generation.provider === 'local') {
    const why = generation.requested === 'local' ? 'IMAGE_PROVIDER=local' : 'no GEMINI_API_KEY set';
    logger.log(`Using the local image provider (${why}); images are marked source "local"`);
    return new LocalImageProvider();
  }
  const { apiKey, baseUrl, timeoutMs, maxRetries, prices } = generation.gemini;
  const fallbacks = models.models.length > 1 ? `, then ${models.models.slice(1).join(', ')}` : '';
  logger.log(`Using Gemini (${models.models[0]}${fallbacks})${baseUrl ? ` at ${baseUrl}` : ''}`);
  const usage = new GeminiUsageMetrics(calls, spend, prices);
  return new GeminiImageProvider({ apiKey: apiKey!, models, usage, baseUrl, timeoutMs, maxRetries });
}

@Module({
  providers: [
    {
      provide: GeminiModelChain,
      inject: [AppConfig, Clock, REDIS, ReplicaEvents],
      useFactory: (config: AppConfig, clock: Clock, redis: OptionalRedis, events: ReplicaEvents) =>
        new GeminiModelChain(config.generation.gemini.models, clock, redis ? new RedisRetiredModels(redis, events) : NO_SHARED_RETIREMENTS),
    },
    {
      provide: IMAGE_PROVIDER,
      inject: [AppConfig, GeminiModelChain, getToken(METRICS.geminiCalls), getToken(METRICS.geminiSpend)],
      useFactory: createImageProvider,
    },
    GenerationService,
    HealthIndicatorService,
    GeminiModelIndicator,
  ],
  exports: [GenerationService, GeminiModelIndicator],
})
export class GenerationModule {}
