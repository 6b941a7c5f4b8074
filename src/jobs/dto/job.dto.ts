import { applyDecorators, BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NATIVE_API_BASE } from '../../common/http/api-versions.js';
import { JobErrorDto } from '../../common/http/error-response.dto.js';
import { ImageDto } from '../../images/dto/image.dto.js';
import { SceneDto } from '../../scenes/dto/generate-scene.dto.js';
import { JOB_KINDS, JOB_STATUSES, type JobKind, type JobStatus, WEBHOOK_STATES, type WebhookState } from '../generation-job.entity.js';
import type { JobOptions, JobView } from '../generation-jobs.service.js';

/** `202 Accepted`: the job that will do the work, and where to follow it. */
export class AcceptedJobDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: JOB_STATUSES, enumName: 'JobStatus' })
  status!: JobStatus;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Jobs ahead of this one; 0 = it starts next; null once it has started',
  })
  queuePosition!: number | null;
}

/** Where a job's webhook delivery stands. */
export class JobWebhookDto {
  @ApiProperty({
    enum: WEBHOOK_STATES,
    enumName: 'WebhookState',
    description: '`pending`: a try is due at `nextTryAt` (or under way); `delivered`: the receiver answered 2xx; `refused`: a 4xx that retrying will not help; `failed`: every try failed',
  })
  state!: WebhookState;

  @ApiProperty({ description: 'Tries so far' })
  tries!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When pending: when the next try is due; otherwise null' })
  nextTryAt!: string | null;
}

@ApiExtraModels(ImageDto, SceneDto)
export class JobDto extends AcceptedJobDto {
  @ApiProperty({
    enum: JOB_KINDS,
    enumName: 'JobKind',
    description: '`image` (POST /images/generate), `edit` (POST /images/{id}/edit) or `scene` (POST /scenes/generate)',
  })
  kind!: JobKind;

  @ApiProperty({
    description: 'Times it was started: 2 when a restart interrupted its first run',
  })
  attempts!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiPropertyOptional({
    description: 'When succeeded: what the synchronous route would have answered (an Image; a Scene for `scene` jobs)',
    oneOf: [{ $ref: getSchemaPath(ImageDto) }, { $ref: getSchemaPath(SceneDto) }],
  })
  result?: ImageDto | SceneDto;

  @ApiPropertyOptional({
    type: JobErrorDto,
    description: 'When failed: the error body the synchronous route would have answered, with its status in `statusCode`',
  })
  error?: JobErrorDto;

  @ApiPropertyOptional({
    type: JobWebhookDto,
    description: 'With a callbackUrl, once the job has ended: where its webhook delivery stands (not in the webhook body itself)',
  })
  webhook?: JobWebhookDto;
}

/** RFC 7240: whether the client asked for an asynchronous answer (`Prefer: respond-async`, in any of its Prefer lines). */
function prefersAsync(prefer: string | string[] | undefined): boolean {
  return [prefer ?? []].flat().join(',').split(',').some((preference) => preference.split(';')[0].trim().toLowerCase() === 'respond-async');
}

/** How a generating request asked to be answered: at once with its job (`Prefer: respond-async`) or once done, and under which Idempotency-Key. */
export interface AnswerAsked {
  async: boolean;
  idempotencyKey?: string;
}

/** The request's `Prefer` and `Idempotency-Key` headers, as AnswerAsked (400 for a malformed key). */
export const AnswerAsked = createParamDecorator((_: unknown, context: ExecutionContext): AnswerAsked => {
  const request = context.switchToHttp().getRequest<Request>();
  return { async: prefersAsync(request.headers.prefer), idempotencyKey: idempotencyKeyOf(request) };
});

/** The job's options; a callbackUrl only an asynchronous request may name (a synchronous answer is the result already). */
export function jobOptions({ async, idempotencyKey }: AnswerAsked, callbackUrl: string | undefined): JobOptions {
  if (callbackUrl !== undefined && !async) throw new BadRequestException('callbackUrl is for asynchronous requests: send Prefer: respond-async with it');
  return { idempotencyKey, callbackUrl };
}

/** Answers 202 with the job, its URL in Location, and that the preference was honoured. */
export function acceptJob(response: Response, { job, queuePosition }: JobView): AcceptedJobDto {
  response.status(202).setHeader('Location', `${NATIVE_API_BASE}/jobs/${job.id}`).setHeader('Preference-Applied', 'respond-async');
  return { id: job.id, status: job.status, queuePosition };
}

/** Documents a route that can answer with a job instead of waiting. */
export function ApiJobCapable() {
  return applyDecorators(
    ApiIdempotent(),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: '`respond-async`: answer `202` at once with the job doing the work (follow it at `Location`) instead of waiting for it',
      schema: { type: 'string' },
    }),
    ApiAcceptedResponse({
      type: AcceptedJobDto,
      description: 'Queued (`Prefer: respond-async`)',
      headers: {
        Location: {
          description: 'The job: `/api/v2/jobs/{id}`',
          schema: { type: 'string' },
        },
        'Preference-Applied': {
          description: '`respond-async`',
          schema: { type: 'string' },
        },
      },
    }),
  );
}

/** Visible ASCII, as the IETF draft's examples and every client library's UUIDs are. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key` header (undefined when absent): the same key with the same
 * request within 24 h gets the first try's answer and no second generation.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => idempotencyKeyOf(context.switchToHttp().getRequest<Request>()));

function idempotencyKeyOf(request: Request): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters (a new UUID per request is a good choice)');
  }
  return value;
}

/** Documents the Idempotency-Key header and what a retry can answer. */
export function ApiIdempotent() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Up to 255 visible ASCII characters. The same key with the same request within 24 h answers what the first try answered, with no second generation; while the first is still running, a synchronous retry waits for it and an asynchronous one gets 409 with Retry-After; the same key with another request is refused with 422.',
      schema: { type: 'string', maxLength: 255 },
    }),
  );
}
