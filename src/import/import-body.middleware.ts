import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AdminAccess } from '../common/auth/admin-access.js';
import { NATIVE_API_BASE, SEED_API_BASE } from '../common/http/api-versions.js';
import { jsonBodyParser } from '../common/http/json-body.js';
import { AppConfig } from '../config/app-config.js';

/** The LocalStorage import routes (both versions), whose bodies ImportBodyMiddleware reads. */
export const IMPORT_PATHS = [`${NATIVE_API_BASE}/migrate/from-localstorage`, `${SEED_API_BASE}/migrate/from-localstorage`];

/**
 * The import route's body (up to MIGRATION_MAX_MB) is read only once the request is known to
 * be an admin's: anyone else is answered 401/403 before a byte of it is buffered, and the
 * connection is closed rather than kept for the rest of the upload.
 */
@Injectable()
export class ImportBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(
    config: AppConfig,
    private readonly access: AdminAccess,
  ) {
    this.parse = jsonBodyParser({ limit: config.migration.maxBodyBytes });
  }

  use(request: Request, response: Response, next: NextFunction): void {
    try {
      this.access.check(request);
    } catch (error) {
      response.setHeader('Connection', 'close');
      throw error;
    }
    this.parse(request, response, next);
  }
}
