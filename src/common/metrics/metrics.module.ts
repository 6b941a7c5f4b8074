import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { MetricsController } from './metrics.controller.js';
import { METRICS } from './metric-names.js';

const providers = [
  makeHistogramProvider({
    name: METRICS.httpRequestDuration,
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  makeCounterProvider({
    name: METRICS.generations,
    help: 'Image generations by provider source and outcome',
    labelNames: ['source', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRICS.generationDuration,
    help: 'Time spent waiting for the image provider, by source and outcome',
    labelNames: ['source', 'outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
  }),
  makeCounterProvider({
    name: METRICS.geminiCalls,
    help: 'HTTP calls to Gemini by model and outcome (each retry is a call)',
    labelNames: ['model', 'outcome'],
  }),
  makeCounterProvider({
    name: METRICS.geminiSpend,
    help: 'Estimated USD spent on Gemini images by model (price table, GEMINI_PRICES first; 0 for an unpriced model)',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: METRICS.sceneCacheRequests,
    help: 'Scene requests answered from the cache (hit) or by generating (miss)',
    labelNames: ['result'],
  }),
  makeCounterProvider({
    name: METRICS.sceneSingleFlightJoins,
    help: 'Scene requests that shared an identical request’s provider call instead of making their own',
  }),
];

/** Prometheus at /metrics: default process metrics plus the service's own. */
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: true } })],
  providers: [...providers, HttpMetricsMiddleware],
  exports: providers,
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
