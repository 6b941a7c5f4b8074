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
  @ApiOperation({ summary: 'The scheduled jobs: schedule, next run here, last run on any replica' })
  @ApiOkResponse({ type: [JobStatusDto] })
  async list(): Promise<JobStatusDto[]> {
    return (await this.jobs.describe()).map(toJobStatusDto);
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a scheduled job now, as its schedule would (once across replicas)' })
  @ApiOkResponse({ type: JobRunDto })
  async run(@Param() { name }: JobNameParamDto): Promise<JobRunDto> {
    return { job: name, outcome: await this.jobs.run(name) };
  }
}
