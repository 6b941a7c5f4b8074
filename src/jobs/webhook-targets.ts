import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { InvalidRequestError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';

/** This machine and private networks: a callback reaches them only when its host is listed by itself. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** Where a callback goes: the address checked, and the name the request carries (Host, TLS). */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Which callback URLs are allowed (WEBHOOK_ALLOWED_HOSTS), checked when a job is asked for
 * and again, by address, right before each delivery: a name that later resolves to this
 * machine or a private network (DNS rebinding) is refused unless that name is listed by itself
 * (not through a `*.` pattern).
 */
/** How a host name becomes an address (node:dns in the service; a test's table in unit tests). */
export type HostLookup = (host: string) => Promise<{ address: string; family: number }>;

@Injectable()
export class WebhookTargets {
  constructor(private readonly config: AppConfig) {}

  /** The address to deliver to; InvalidRequestError (400) saying why when the URL is not allowed. */
  resolve(callbackUrl: string): Promise<WebhookTarget> {
    return resolveWebhookTarget(this.config.webhooks?.allowedHosts, callbackUrl, (host) => lookup(host));
  }
}

export async function resolveWebhookTarget(allowedHosts: string[] | undefined, callbackUrl: string, lookupHost: HostLookup): Promise<WebhookTarget> {
  if (!allowedHosts) throw new InvalidRequestError('callbackUrl: webhooks are off on this server (WEBHOOK_ALLOWED_HOSTS is not set)');
  const url = new URL(callbackUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const listedItself = allowedHosts.includes(host);
  const listed = listedItself || allowedHosts.some((entry) => entry.startsWith('*.') && host.endsWith(entry.slice(1)));
  if (!listed) throw new InvalidRequestError(`callbackUrl: ${host} is not in WEBHOOK_ALLOWED_HOSTS`);
  const { address, family } = isIP(host) ? { address: host, family: isIP(host) } : await lookupHost(host).catch(() => ({ address: '', family: 0 }));
  if (family !== 4 && family !== 6) throw new InvalidRequestError(`callbackUrl: ${host} does not resolve`);
  if (!listedItself && isInternal(address, family)) {
    throw new InvalidRequestError(`callbackUrl: ${host} resolves to ${address}, on this machine or a private network; list ${host} itself in WEBHOOK_ALLOWED_HOSTS to allow it`);
  }
  return { url, address, family };
}

function isInternal(address: string, family: 4 | 6): boolean {
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  return mapped ? INTERNAL.check(mapped, 'ipv4') : INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
