import { Injectable } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Routes whose module reads the body itself (with its own limit, and only after its own
 * checks). The general JSON parser, set up once for the app, leaves their bodies alone: so a
 * module configures its own limits without the app setup knowing its routes.
 */
@Injectable()
export class OwnBodyRoutes {
  private readonly paths = new Set<string>();

  /** Called by the owning module at init; `paths` are full request paths (`/api/v2/...`). */
  claim(paths: Iterable<string>): void {
    for (const path of paths) this.paths.add(path);
  }

  has(request: Request): boolean {
    return this.paths.has(request.path);
  }
}
