import { applyDecorators, type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AppConfig } from '../../config/app-config.js';
import { ApiErrors } from '../http/api-errors.decorator.js';

export const ADMIN_BEARER_SCHEME = 'admin-bearer';
export const ADMIN_HEADER_SCHEME = 'admin-key';

/**
 * Admin routes need ADMIN_API_KEY as `Authorization: Bearer <key>` or `X-Admin-Key`. With
 * no key configured they answer only this machine: a game master on their own laptop needs
 * no key, and nobody else on the network gets in. "This machine" means the TCP peer is
 * loopback and the request was not relayed: a reverse proxy on the same host connects from
 * loopback too, and forwarding headers are the client's to forge, so a relayed request
 * always needs the key.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly keyDigest?: Buffer;

  constructor(config: AppConfig) {
    if (config.adminApiKey) this.keyDigest = sha256(config.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!this.keyDigest) {
      if (isLoopback(request.socket.remoteAddress) && !isRelayed(request)) return true;
      throw new ForbiddenException(
        'Admin routes answer only this machine (loopback, not through a proxy) while ADMIN_API_KEY is unset; set ADMIN_API_KEY to administer remotely',
      );
    }
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new UnauthorizedException('This admin route needs ADMIN_API_KEY, sent as "Authorization: Bearer <key>" or "X-Admin-Key: <key>"');
    }
    // Compare digests of equal length in constant time, so timing reveals nothing about the key.
    if (!timingSafeEqual(sha256(presented), this.keyDigest)) throw new ForbiddenException('The admin key is not valid');
    return true;
  }
}

/** Marks a route as admin-only, with its Swagger security schemes and error responses. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(AdminGuard), ApiBearerAuth(ADMIN_BEARER_SCHEME), ApiSecurity(ADMIN_HEADER_SCHEME), ApiErrors(401, 403));
}

function presentedKey(request: Request): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  const header = request.headers['x-admin-key'];
  return bearer || (typeof header === 'string' && header.trim() ? header.trim() : undefined);
}

function isRelayed(request: Request): boolean {
  return request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}
