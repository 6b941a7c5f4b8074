import { HttpStatus, Injectable } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError, NotFoundError, reviveError } from '../common/errors.js';
import { domainErrorAnswer, retryAfterOf } from '../common/http/error-response.filter.js';
import type { JobErrorDto } from '../common/http/error-response.dto.js';
import { toImageDto } from '../images/dto/image.dto.js';
import { ImagesService } from '../images/images.service.js';
import type { SceneDto } from '../scenes/dto/generate-scene.dto.js';
import type { JobDto } from './dto/job.dto.js';
import type { JobView } from './generation-jobs.service.js';

/** A job as the API shows it: with what its synchronous route would have answered, either way. */
@Injectable()
export class JobPresenter {
  constructor(private readonly images: ImagesService) {}

  async present({ job, queuePosition }: JobView): Promise<JobDto> {
    const dto: JobDto = {
      id: job.id,
      kind: job.kind,
      status: job.status,
      queuePosition,
      attempts: job.attempts,
      createdAt: job.createdAt.toISOString(),
      startedAt: job.startedAt?.toISOString() ?? null,
      finishedAt: job.finishedAt?.toISOString() ?? null,
    };
    if (job.status === 'succeeded' && job.imageId) {
      // An image deleted since leaves the job without a result to show.
      const image = await this.images.findOne(job.imageId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (image)
        dto.result =
          job.kind === 'scene'
            ? {
                ...(job.result as Omit<SceneDto, 'image'>),
                image: toImageDto(image),
              }
            : toImageDto(image);
    }
    if (job.status === 'failed' && job.error) dto.error = errorBodyOf(reviveError(job.error));
    if (job.webhookState) {
      dto.webhook = {
        state: job.webhookState,
        tries: job.webhookTries,
        nextTryAt: job.webhookState === 'pending' ? (job.webhookDueAt?.toISOString() ?? null) : null,
      };
    }
    return dto;
  }
}

function errorBodyOf(error: Error): JobErrorDto {
  if (error instanceof DomainError) {
    const retryAfterSeconds = retryAfterOf(error);
    return { ...domainErrorAnswer(error).body, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  const status = HttpStatus.INTERNAL_SERVER_ERROR;
  return {
    statusCode: status,
    error: STATUS_CODES[status]!,
    message: 'Internal server error',
  };
}
