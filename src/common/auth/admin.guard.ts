import { applyDecorators, type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '../http/api-errors.decorator.js';
import { AdminAccess } from './admin-access.js';

export const ADMIN_BEARER_SCHEME = 'admin-bearer';
export const ADMIN_HEADER_SCHEME = 'admin-key';

/** Admin routes: AdminAccess decides (the key, or this machine when keyless). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly access: AdminAccess) {}

  canActivate(context: ExecutionContext): boolean {
    this.access.check(context.switchToHttp().getRequest<Request>());
    return true;
  }
}

/** Marks a route as admin-only, with its Swagger security schemes and error responses. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(AdminGuard), ApiBearerAuth(ADMIN_BEARER_SCHEME), ApiSecurity(ADMIN_HEADER_SCHEME), ApiErrors(401, 403));
}
