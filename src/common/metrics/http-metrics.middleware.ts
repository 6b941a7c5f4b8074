import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import { routeTemplate } from '../http/route-template.js';
import { METRICS } from './metric-names.js';

/** Times every request, labelled by the matched route template. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(METRICS.httpRequestDuration) private readonly duration: Histogram<'method' | 'route' | 'status'>) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.duration.observe({ method: request.method, route: routeTemplate(request), status: String(response.statusCode) }, seconds);
    });
    next();
  }
}
