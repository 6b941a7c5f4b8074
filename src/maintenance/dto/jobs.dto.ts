import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { JOB_NAMES, type JobName, type JobOutcome, type JobStatus } from '../maintenance-jobs.service.js';

export class JobNameParamDto {
  @ApiProperty({ enum: JOB_NAMES, enumName: 'JobName' })
  @IsIn(JOB_NAMES, { message: `name must be one of ${JOB_NAMES.join(', ')}` })
  name!: JobName;
}

export class JobStatusDto {
  @ApiProperty({ enum: JOB_NAMES, enumName: 'JobName' }) name!: JobName;
  @ApiProperty({ type: String, nullable: true, description: 'Cron expression (UTC); null when switched off' }) cron!: string | null;
  @ApiProperty({ description: 'Scheduled on this replica (JOBS_ENABLED and a cron expression)' }) scheduled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextRunAt!: string | null;
  @ApiProperty({ description: 'Running on this replica right now' }) runningHere!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last run on any replica' }) lastRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The replica (host:pid:id) that ran it last' }) lastRunBy!: string | null;
}

export class JobRunDto {
  @ApiProperty({ enum: JOB_NAMES, enumName: 'JobName' }) job!: JobName;
  @ApiProperty({
    enum: ['success', 'failure', 'skipped'],
    description: 'skipped: it is running here already, or another replica is running it or ran it in the last 30 s',
  })
  outcome!: JobOutcome;
}

export function toJobStatusDto(status: JobStatus): JobStatusDto {
  return {
    ...status,
    nextRunAt: status.nextRunAt?.toISOString() ?? null,
    lastRunAt: status.lastRunAt?.toISOString() ?? null,
  };
}
