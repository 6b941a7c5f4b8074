import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { NextFunction } from 'express';
import pretty from 'pino-pretty';
import type { AppConfig } from '../../config/app-config.js';
import { routeTemplate } from '../http/route-template.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Pretty lines for a terminal: one line each, `[context]` first and the request id last; the request line's own words say the rest. */
const ONE_LINE = {
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,context,requestId,method,url,route,status,durationMs',
  messageFormat: '{if context}[{context}] {end}{msg}{if requestId} ({requestId}){end}',
};

/**
 * A caller's request id is kept (a proxy or another service made it, and its logs use it)
 * when it is a plain token: anything else could forge or break log lines, and gets a new id.
 */
const ACCEPTED_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Probes and scrapes every few seconds would drown the log at info: they log at debug unless they fail. */
const QUIET_PATHS = /^\/(health(\/.*)?|metrics)(\?.*)?$/;

/**
 * The service's one pino logger and the request logging built on it: every request gets an id
 * (the caller's `X-Request-Id` when it is sane, else a new UUID), echoed in the response and
 * bound to every log line written while the request is handled, and one line when it ends:
 * method, URL, route template, status and duration. Nothing from the request's headers or body
 * is logged, so neither the admin key nor a prompt's author ends up in a log.
 */
export class RequestLogging {
  readonly logger: Logger;

  constructor({ level, format }: AppConfig['log'], destination: NodeJS.WritableStream = process.stdout) {
    // pino-pretty as a synchronous stream, not a transport: no worker thread to start or to flush at exit.
    const stream = format === 'pretty' ? pretty({ ...ONE_LINE, sync: true, destination, colorize: isTerminal(destination) }) : destination;
    this.logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  }

  /**
   * For Express, ahead of everything: the request's id, its logger (`req.log`, which nestjs-pino
   * binds to the request's async context, so a service's line carries the id) and its closing
   * line once the response is sent or the client gave up.
   *
   * Not pino-http: it serializes the whole request (headers included) into a child logger for
   * every request, written or not, which cost a JSON route about a quarter of its throughput
   * (README, Benchmarks). This does only what the log needs.
   */
  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: NextFunction): void => {
    const started = performance.now();
    const requestId = this.assignId(request, response);
    (request as LoggedRequest).log = this.logger.child({ requestId });
    response.once('close', () => this.logAnswered(request, response, requestId, Math.round(performance.now() - started)));
    next();
  };

  /**
   * For a request answered outside Express, at once (the file fast path): its id, taken or made
   * and echoed, before the answer goes out. Nothing is logged inside such a request, so it
   * needs no logger of its own.
   */
  assignId(request: IncomingMessage, response: ServerResponse): string {
    const given = request.headers['x-request-id'];
    const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader(REQUEST_ID_HEADER, id);
    return id;
  }

  /** … and its one closing line once answered (or abandoned by the client). */
  logAnswered(request: IncomingMessage, response: ServerResponse, requestId: string, durationMs: number): void {
    const level = levelOf(request, response);
    if (!this.logger.isLevelEnabled(level)) return;
    const url = urlOf(request);
    const outcome = response.writableEnded ? `${response.statusCode} ${durationMs} ms` : `abandoned by the client after ${durationMs} ms`;
    this.logger[level]({ requestId, method: request.method, url, route: routeTemplate(request), status: response.statusCode, durationMs }, `${request.method} ${url} ${outcome}`);
  }
}

/** What nestjs-pino's middleware looks for: the request's own logger. */
type LoggedRequest = IncomingMessage & { log?: Logger };

function levelOf(request: IncomingMessage, response: ServerResponse): 'error' | 'debug' | 'info' {
  if (response.statusCode >= 500) return 'error';
  return QUIET_PATHS.test(request.url ?? '') ? 'debug' : 'info';
}

/** The URL as the client sent it: Express's routers strip their mount path from `url` on the way. */
function urlOf(request: IncomingMessage): string | undefined {
  return (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url;
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}
