import type { IncomingMessage } from 'node:http';

const ROUTE_TEMPLATE = Symbol('routeTemplate');

/** For a request answered outside Express's router (the file fast path): the route it stands for. */
export function setRouteTemplate(request: IncomingMessage, template: string): void {
  (request as IncomingMessage & { [ROUTE_TEMPLATE]?: string })[ROUTE_TEMPLATE] = template;
}

/**
 * The matched route's template (`/api/v2/images/:id`), never the raw URL: metrics label by it
 * (an image id per label would make a time series per image) and request logs group by it.
 * 'unmatched' for a request no route took (a 404, the web app's files).
 */
export function routeTemplate(request: IncomingMessage): string {
  const set = (request as IncomingMessage & { [ROUTE_TEMPLATE]?: string })[ROUTE_TEMPLATE];
  if (set !== undefined) return set;
  const express = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  const path = express.route?.path;
  // A request no handler took was last seen by a middleware mounted on a wildcard (`*path`).
  if (typeof path !== 'string' || path.includes('*')) return 'unmatched';
  return `${express.baseUrl ?? ''}${path}`;
}
