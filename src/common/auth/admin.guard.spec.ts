import { isLoopback } from './admin.guard.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1', '', undefined])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});
