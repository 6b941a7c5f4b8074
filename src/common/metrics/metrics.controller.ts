import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

/** The library's /metrics route, documented like the others (its own has no summary or tag). */
@ApiTags('operations')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Process metrics and the service’s own: HTTP durations by route template, generations, Gemini calls and estimated spend, scene cache hits, backups, jobs. Public, as scrapers expect; put it behind your network if that matters.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The Prometheus text exposition format', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
