import { Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { JobNameParamDto, JobRunDto, JobStatusDto, toJobStatusDto } from './dto/jobs.dto.js';
import { MaintenanceJobsService } from './maintenance-jobs.service.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('maintenance/jobs', 'maintenance')
@AdminOnly()
export class JobsController {
  constructor(private readonly jobs: MaintenanceJobsService) {}

  @Get()
  @ApiOperation({ summary: 'List the scheduled jobs (admin)', description: 'Each job’s schedule, its next run on this replica and its last run on any replica, with the outcome.' })
  @ApiOkResponse({ type: [JobStatusDto] })
  async list(): Promise<JobStatusDto[]> {
    return (await this.jobs.describe()).map(toJobStatusDto);
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a scheduled job now (admin)',
    description: 'Runs it as its schedule would: once across replicas (a run already going elsewhere answers `skipped`). The outcome is in the answer.',
  })
  @ApiOkResponse({ type: JobRunDto })
  async run(@Param() { name }: JobNameParamDto): Promise<JobRunDto> {
    return { job: name, outcome: await this.jobs.run(name) };
  }
}
