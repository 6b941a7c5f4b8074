import { Delete, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { NativeApiController } from '../common/http/api-versions.js';
import { UuidParam } from '../common/http/validation.js';
import { JobDto } from './dto/job.dto.js';
import { JobPresenter } from './job-presenter.js';
import { GenerationJobs } from './generation-jobs.service.js';
import { JobEventStream } from './job-event-stream.js';

@NativeApiController('jobs', 'jobs')
export class JobsController {
  constructor(
    private readonly jobs: GenerationJobs,
    private readonly presenter: JobPresenter,
    private readonly eventStreams: JobEventStream,
  ) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A generation job as it stands',
    description: 'Queued (with its place in the line), running, succeeded (with what the synchronous route would have answered), failed (with the error body it would have answered) or cancelled. Finished jobs are kept JOB_RETENTION_DAYS.',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  async findOne(@UuidParam('id') id: string): Promise<JobDto> {
    return this.presenter.present(await this.jobs.find(id));
  }

  @Get(':id/events')
  @ApiOperation({
    summary: 'Follow a job as Server-Sent Events',
    description: 'An event at once with the job as it stands, then one at each change (`queued` as its place in the line moves, `running`, then `succeeded`, `failed` or `cancelled`, after which the stream ends). Each event’s data is the job as GET /jobs/{id} answers it. A comment line every 15 s keeps proxies from closing an idle stream.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 404)
  async events(@UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.jobs.find(id); // a 404 before the stream starts
    this.eventStreams.follow(id, request, response);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Cancel a queued job',
    description: 'Only a job that has not started can be cancelled; a running or finished one answers 409.',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404, 409)
  async cancel(@UuidParam('id') id: string): Promise<JobDto> {
    return this.presenter.present(await this.jobs.cancel(id));
  }
}
