import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AppConfig } from '../../config/app-config.js';

/**
 * Headers a proxy or CDN adds to say who the client really is. Any of them on a keyless admin
 * request means it was relayed (or forged), so "this machine" cannot be trusted.
 */
const RELAY_HEADERS = ['forwarded', 'via', 'x-real-ip', 'x-client-ip', 'client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip', 'x-original-forwarded-for'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who may use admin routes. With ADMIN_API_KEY set: whoever sends it (`Authorization: Bearer`
 * or `X-Admin-Key`, compared in constant time). Without it, and with ADMIN_WITHOUT_KEY=loopback
 * (the default, so a game master's laptop needs no key): only this machine, which means all of
 *   - the TCP peer is loopback;
 *   - nothing says the request was relayed: no forwarding-style header, and not HTTP/1.0
 *     (what nginx's proxy_pass speaks unless told otherwise);
 *   - the Host is a loopback name, so a page on a DNS-rebound name cannot reach it;
 *   - a state change from a browser comes from this service's own pages or an origin in
 *     CORS_ORIGINS (Origin and Sec-Fetch-Site), so another site cannot make the browser do it.
 * Used by AdminGuard, and by the import route before its large body is read.
 */
@Injectable()
export class AdminAccess {
  private readonly keyDigest?: Buffer;
  private readonly keyless: boolean;
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(config: AppConfig) {
    if (config.adminApiKey) this.keyDigest = sha256(config.adminApiKey);
    this.keyless = !config.adminApiKey && config.adminWithoutKey === 'loopback';
    // `*` lets any page read answers; it never lets any page act as admin.
    this.trustedOrigins = new Set(config.http.corsOrigins === '*' ? [] : config.http.corsOrigins);
  }

  /** What the startup log says about admin access, so the mode is a known choice. */
  describe(): string {
    if (this.keyDigest) return 'Admin routes need ADMIN_API_KEY';
    if (this.keyless) {
      return 'Admin routes are open WITHOUT a key to requests made on this machine (loopback, not relayed). Behind a reverse proxy or tunnel, set ADMIN_API_KEY (or ADMIN_WITHOUT_KEY=off)';
    }
    return 'Admin routes are closed: ADMIN_API_KEY is unset and ADMIN_WITHOUT_KEY=off';
  }

  /** Returns when the request may act as admin; throws 401 or 403 saying why not. */
  check(request: IncomingMessage): void {
    if (this.keyDigest) return this.checkKey(request, this.keyDigest);
    if (!this.keyless) throw new ForbiddenException('Admin routes are closed: set ADMIN_API_KEY to use them');
    const refusal = this.whyNotThisMachine(request);
    if (refusal) {
      throw new ForbiddenException(
        `Admin routes answer only requests made on this machine while ADMIN_API_KEY is unset, and ${refusal}; set ADMIN_API_KEY to administer from elsewhere`,
      );
    }
  }

  private checkKey(request: IncomingMessage, keyDigest: Buffer): void {
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new UnauthorizedException('This admin route needs ADMIN_API_KEY, sent as "Authorization: Bearer <key>" or "X-Admin-Key: <key>"');
    }
    // Compare digests of equal length in constant time, so timing reveals nothing about the key.
    if (!timingSafeEqual(sha256(presented), keyDigest)) throw new ForbiddenException('The admin key is not valid');
  }

  private whyNotThisMachine(request: IncomingMessage): string | undefined {
    const { headers } = request;
    if (!isLoopback(request.socket.remoteAddress)) return 'this one comes from another machine';
    const relay = Object.keys(headers).find((name) => name.startsWith('x-forwarded-') || RELAY_HEADERS.includes(name));
    if (relay) return `this one was relayed (it carries ${relay})`;
    if (request.httpVersion === '1.0') return 'this one was relayed (HTTP/1.0, as a reverse proxy sends by default)';
    if (!isLoopbackHost(headers.host)) return `this one was addressed to "${headers.host ?? ''}", not to localhost`;
    if (SAFE_METHODS.has(request.method ?? 'GET')) return undefined;
    const origin = headers.origin;
    if (origin !== undefined && !this.trustedOrigins.has(origin) && !isSameOrigin(origin, headers.host)) {
      return `this change comes from a page on ${origin}, which is neither this service nor in CORS_ORIGINS`;
    }
    const site = headers['sec-fetch-site'];
    if (origin === undefined && (site === 'cross-site' || site === 'same-site')) return 'this change comes from another site’s page';
    return undefined;
  }
}

function presentedKey(request: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  const header = request.headers['x-admin-key'];
  return bearer || (typeof header === 'string' && header.trim() ? header.trim() : undefined);
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

/** `localhost`, `*.localhost`, 127.x.x.x or [::1], with any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return isLoopback(name.replace(/^\[(.*)\]$/, '$1'));
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
