import { applyDecorators, Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SEED_API_VERSION } from '../common/http/api-versions.js';

/** A controller of the old backend's contract, under `/api/v1/<path>`, tagged `v1 <tag>` in Swagger. */
export function SeedApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(Controller({ path, version: SEED_API_VERSION }), ApiTags(`v1 ${tag}`));
}
