import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { parseAppConfig } from '../../config/app-config.js';
import { AdminAccess, isLoopback, isLoopbackHost } from './admin-access.js';

interface RequestShape {
  remoteAddress?: string;
  method?: string;
  httpVersion?: string;
  headers?: Record<string, string>;
}

/** The parts of a request AdminAccess reads; by default a curl on this machine. */
function requestOf({ remoteAddress = '127.0.0.1', method = 'POST', httpVersion = '1.1', headers = {} }: RequestShape = {}): IncomingMessage {
  return { socket: { remoteAddress }, method, httpVersion, headers: { host: 'localhost:8000', ...headers } } as unknown as IncomingMessage;
}

describe('isLoopback and isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1', '', undefined])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });

  it.each(['localhost', 'LOCALHOST:8000', 'game.localhost:8000', '127.0.0.1:8000', '[::1]:8000', '[::1]'])('Host %s names this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['evil.com', 'evil.com:8000', 'localhost.evil.com', '10.0.0.2:8000', '', undefined])('Host %s does not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('AdminAccess without ADMIN_API_KEY (keyless for this machine, the default)', () => {
  const access = new AdminAccess(parseAppConfig({}, '/'));
  const refusal = (shape: RequestShape) => {
    try {
      access.check(requestOf(shape));
    } catch (error) {
      expect(error).toBeInstanceOf(ForbiddenException);
      return (error as ForbiddenException).message;
    }
    return 'allowed';
  };

  it('lets a direct request on this machine in, over IPv4 and IPv6', () => {
    expect(refusal({})).toBe('allowed');
    expect(refusal({ remoteAddress: '::1', headers: { host: '[::1]:8000' } })).toBe('allowed');
    expect(refusal({ method: 'GET', headers: { host: '127.0.0.1:8000' } })).toBe('allowed');
  });

  it('refuses another machine', () => {
    expect(refusal({ remoteAddress: '10.0.0.5' })).toMatch(/another machine/);
  });

  it.each(['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'via'])(
    'refuses a request relayed by a proxy on this machine (%s)',
    (header) => {
      expect(refusal({ headers: { [header]: '203.0.113.9' } })).toMatch(new RegExp(`relayed \\(it carries ${header}\\)`));
    },
  );

  it('refuses HTTP/1.0, what nginx proxy_pass sends when it adds no header', () => {
    expect(refusal({ httpVersion: '1.0', headers: { host: '127.0.0.1:8000' } })).toMatch(/HTTP\/1\.0/);
  });

  it('refuses a Host that is not this machine (DNS rebinding)', () => {
    expect(refusal({ headers: { host: 'evil.com' } })).toMatch(/addressed to "evil.com"/);
    expect(refusal({ headers: { host: '' } })).toMatch(/addressed to/);
  });

  it('refuses a state change from another site’s page, by Origin or by Sec-Fetch-Site', () => {
    expect(refusal({ headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).toMatch(/page on https:\/\/evil.example/);
    expect(refusal({ headers: { 'sec-fetch-site': 'cross-site' } })).toMatch(/another site/);
    // Reading is not a change: the browser keeps the answer from a page CORS does not allow.
    expect(refusal({ method: 'GET', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).toBe('allowed');
  });

  it('lets this service’s own pages and the CORS_ORIGINS (the game’s) change things', () => {
    expect(refusal({ headers: { origin: 'http://localhost:8000', 'sec-fetch-site': 'same-origin' } })).toBe('allowed');
    expect(refusal({ headers: { origin: 'http://localhost:8080', 'sec-fetch-site': 'same-site' } })).toBe('allowed');
    expect(refusal({ headers: { origin: 'null', 'sec-fetch-site': 'cross-site' } })).toBe('allowed');
  });

  it('never trusts an origin for admin because CORS_ORIGINS is *', () => {
    const open = new AdminAccess(parseAppConfig({ CORS_ORIGINS: '*' }, '/'));
    expect(() => open.check(requestOf({ headers: { origin: 'http://localhost:8080' } }))).toThrow(/neither this service nor in CORS_ORIGINS/);
  });

  it('says in the startup log that admin is open to this machine', () => {
    expect(access.describe()).toMatch(/open WITHOUT a key to requests made on this machine/);
  });

  it('closes admin routes altogether with ADMIN_WITHOUT_KEY=off', () => {
    const closed = new AdminAccess(parseAppConfig({ ADMIN_WITHOUT_KEY: 'off' }, '/'));
    expect(() => closed.check(requestOf())).toThrow(/closed: set ADMIN_API_KEY/);
    expect(closed.describe()).toMatch(/closed/);
  });
});

describe('AdminAccess with ADMIN_API_KEY', () => {
  const access = new AdminAccess(parseAppConfig({ ADMIN_API_KEY: 'k3y' }, '/'));

  it('wants the key from anywhere, this machine included', () => {
    expect(() => access.check(requestOf())).toThrow(UnauthorizedException);
    expect(() => access.check(requestOf({ headers: { 'x-admin-key': 'nope' } }))).toThrow(ForbiddenException);
    expect(() => access.check(requestOf({ remoteAddress: '10.0.0.5', headers: { authorization: 'Bearer k3y', 'x-forwarded-for': '1.2.3.4' } }))).not.toThrow();
  });
});
