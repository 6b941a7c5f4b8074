import { BadRequestException, Body, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { DryRunQueryDto } from '../maintenance/dto/maintenance.dto.js';
import { ImportReportDto, MigrateFromLocalStorageDto } from './dto/migrate.dto.js';
import { MigrationService } from './migration.service.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('migrate', 'migration')
export class MigrationController {
  constructor(private readonly migration: MigrationService) {}

  @Post('from-localstorage')
  @AdminOnly() // a bulk write: this machine needs no key, anyone else needs ADMIN_API_KEY
  @HttpCode(200)
  @ApiOperation({ summary: 'Import the browser app’s LocalStorage pictures (structured or raw dump); idempotent' })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiBody({ type: MigrateFromLocalStorageDto })
  @ApiErrors(400, 413)
  // A plain object, checked here: a shape error should name both accepted forms, and entries
  // are checked one by one by the service so that one bad entry fails alone.
  async import(@Body() body: unknown, @Query() query: DryRunQueryDto): Promise<ImportReportDto> {
    const options = { dryRun: query.dryRun ?? false };
    const form = bodyForm(body);
    return form.kind === 'dump'
      ? this.migration.importLocalStorage(form.localStorage, options)
      : this.migration.importStructured(form, options);
  }
}

const ACCEPTED_FORMS = 'send either { "images": [...], "scenes": [...] } or { "localStorage": { "<key>": "<value>", ... } }';

type BodyForm = { kind: 'dump'; localStorage: Record<string, unknown> } | { kind: 'structured'; images?: unknown[]; scenes?: unknown[] };

function bodyForm(body: unknown): BodyForm {
  const fail = (problem: string) => new BadRequestException(`${problem}: ${ACCEPTED_FORMS}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('The body must be a JSON object');
  const { images, scenes, localStorage, ...rest } = body as Record<string, unknown>;
  const unknownFields = Object.keys(rest);
  if (unknownFields.length > 0) throw fail(`Unknown field${unknownFields.length > 1 ? 's' : ''} ${unknownFields.join(', ')}`);
  const structured = images !== undefined || scenes !== undefined;
  if (structured === (localStorage !== undefined)) throw fail(structured ? 'Both forms were sent' : 'Neither form was sent');
  if (localStorage !== undefined) {
    if (typeof localStorage !== 'object' || localStorage === null || Array.isArray(localStorage)) throw fail('localStorage must be an object');
    return { kind: 'dump', localStorage: localStorage as Record<string, unknown> };
  }
  for (const [name, value] of [['images', images], ['scenes', scenes]] as const) {
    if (value !== undefined && !Array.isArray(value)) throw fail(`${name} must be an array`);
  }
  return { kind: 'structured', images: images as unknown[] | undefined, scenes: scenes as unknown[] | undefined };
}
