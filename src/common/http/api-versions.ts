import { applyDecorators, Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

/**
 * Every API route lives under `/api/v{n}` (Nest's URI versioning): v1 is the old FastAPI
 * backend's wire contract, kept so its game and scripts work unchanged; v2 is the native API.
 */
export const API_GLOBAL_PREFIX = 'api';
export const NATIVE_API_VERSION = '2';
export const SEED_API_VERSION = '1';
/** `/api/v2`: where the native routes start. */
export const NATIVE_API_BASE = `/${API_GLOBAL_PREFIX}/v${NATIVE_API_VERSION}`;
/** `/api/v1`: where the old backend's routes start. */
export const SEED_API_BASE = `/${API_GLOBAL_PREFIX}/v${SEED_API_VERSION}`;

/** A controller of the native API, under `/api/v2/<path>`, tagged for Swagger as `v2 <tag>`. */
export function NativeApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(Controller({ path, version: NATIVE_API_VERSION }), ApiTags(`v2 ${tag}`));
}
