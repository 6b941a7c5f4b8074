import { InvalidRequestError } from '../common/errors.js';
import { resolveWebhookTarget } from './webhook-targets.js';

/** DNS is the one part played here: names resolve from this table. */
const DNS: Record<string, { address: string; family: number }> = {
  'hooks.example.com': { address: '93.184.215.14', family: 4 },
  'rebound.example.com': { address: '127.0.0.1', family: 4 },
  'office.example.com': { address: '192.168.1.20', family: 4 },
  'v6.example.com': { address: '::ffff:10.0.0.5', family: 6 },
};
const lookup = async (host: string) => DNS[host] ?? Promise.reject(new Error('ENOTFOUND'));
const ALLOWED = ['*.example.com', 'office.example.com', '127.0.0.1'];
const refusal = (url: string, allowed: string[] | null = ALLOWED) => resolveWebhookTarget(allowed ?? undefined, url, lookup).then(() => 'allowed', (error: Error) => (error instanceof InvalidRequestError ? error.message : `other: ${error.message}`));

it('delivers to a listed host at the address it resolved to', async () => {
  expect(await resolveWebhookTarget(ALLOWED, 'https://hooks.example.com/in?x=1', lookup)).toMatchObject({ address: '93.184.215.14', family: 4 });
});

it('refuses hosts not listed, and everything when webhooks are off', async () => {
  expect(await refusal('https://evil.test/')).toBe('callbackUrl: evil.test is not in WEBHOOK_ALLOWED_HOSTS');
  expect(await refusal('http://127.0.0.2:9000/')).toBe('callbackUrl: 127.0.0.2 is not in WEBHOOK_ALLOWED_HOSTS');
  expect(await refusal('http://127.0.0.1:9000/', ['*.example.com'])).toBe('callbackUrl: 127.0.0.1 is not in WEBHOOK_ALLOWED_HOSTS');
  expect(await refusal('https://hooks.example.com/', null)).toBe('callbackUrl: webhooks are off on this server (WEBHOOK_ALLOWED_HOSTS is not set)');
});

it('refuses a name matched by a pattern that resolves to this machine or a private network, unless listed by itself', async () => {
  expect(await refusal('https://rebound.example.com/')).toBe('callbackUrl: rebound.example.com resolves to 127.0.0.1, on this machine or a private network; list rebound.example.com itself in WEBHOOK_ALLOWED_HOSTS to allow it');
  expect(await refusal('https://v6.example.com/')).toMatch(/^callbackUrl: v6.example.com resolves to ::ffff:10.0.0.5/);
  expect(await refusal('https://office.example.com/')).toBe('allowed');
  expect(await refusal('http://127.0.0.1:9000/hook')).toBe('allowed');
  expect(await refusal('https://nowhere.example.com/')).toBe('callbackUrl: nowhere.example.com does not resolve');
});
