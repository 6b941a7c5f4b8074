import { type ExecutionContext, ForbiddenException } from '@nestjs/common';
import { parseAppConfig } from '../../config/app-config.js';
import { AdminGuard, isLoopback } from './admin.guard.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1', '', undefined])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});

describe('AdminGuard without ADMIN_API_KEY', () => {
  const guard = new AdminGuard(parseAppConfig({}, '/'));
  const contextFor = (remoteAddress: string, headers: Record<string, string> = {}) =>
    ({ switchToHttp: () => ({ getRequest: () => ({ socket: { remoteAddress }, headers, ip: '127.0.0.1' }) }) }) as unknown as ExecutionContext;

  it('lets a direct loopback client in', () => {
    expect(guard.canActivate(contextFor('127.0.0.1'))).toBe(true);
    expect(guard.canActivate(contextFor('::1'))).toBe(true);
  });

  it('refuses another machine even when req.ip claims loopback (a trusted proxy header)', () => {
    expect(() => guard.canActivate(contextFor('10.0.0.5'))).toThrow(ForbiddenException);
  });

  it('refuses a request relayed by a proxy on this machine', () => {
    expect(() => guard.canActivate(contextFor('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor('127.0.0.1', { forwarded: 'for=203.0.113.9' }))).toThrow(ForbiddenException);
  });
});
