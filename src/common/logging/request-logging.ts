import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
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
  /** For Express and Nest: the request's child logger (nestjs-pino binds it), its id and its closing line. */
  readonly middleware: HttpLogger<IncomingMessage, ServerResponse>;

  constructor({ level, format }: AppConfig['log'], destination: NodeJS.WritableStream = process.stdout) {
    // pino-pretty as a synchronous stream, not a transport: no worker thread to start or to flush at exit.
    const stream = format === 'pretty' ? pretty({ ...ONE_LINE, sync: true, destination, colorize: isTerminal(destination) }) : destination;
    this.logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
    this.middleware = pinoHttp({
      logger: this.logger,
      genReqId: requestIdFor,
      customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
      // In-request lines carry only the id; the request's details are on its one closing line.
      quietReqLogger: true,
      quietResLogger: true,
      customLogLevel: levelOf,
      // Asked when the request starts and when it ends. Only a closing line that will be written
      // needs its fields: anything else answers nothing, which spares pino-http a child logger.
      customProps: (request, response) => (response.writableEnded && this.logger.isLevelEnabled(levelOf(request, response)) ? closingFields(request, response) : NO_FIELDS),
      customSuccessMessage: closingMessage,
      customErrorMessage: (request, response) => `${request.method} ${urlOf(request)} ${response.statusCode} failed`,
      // The closing line's fields come from customProps; these would log headers (the admin key among them).
      serializers: { req: () => undefined, res: () => undefined },
    });
  }

  /**
   * For a request answered outside Express, at once (the file fast path): its id, taken or made
   * and echoed, before the answer goes out. Nothing is logged inside such a request, so it
   * needs no child logger.
   */
  assignId(request: IncomingMessage, response: ServerResponse): string {
    return requestIdFor(request, response);
  }

  /** … and its closing line once answered: the same line the middleware writes. */
  logAnswered(request: IncomingMessage, response: ServerResponse, requestId: string, durationMs: number): void {
    const level = levelOf(request, response);
    if (!this.logger.isLevelEnabled(level)) return;
    this.logger[level]({ requestId, ...closingFields(request, response), durationMs }, closingMessage(request, response, durationMs));
  }
}

/** pino-http skips a child logger for a falsy answer; its types want an object. */
const NO_FIELDS = undefined as unknown as Record<string, never>;

function levelOf(request: IncomingMessage, response: ServerResponse, error?: Error): 'error' | 'debug' | 'info' {
  if (error || response.statusCode >= 500) return 'error';
  return QUIET_PATHS.test(request.url ?? '') ? 'debug' : 'info';
}

function closingFields(request: IncomingMessage, response: ServerResponse) {
  return { method: request.method, url: urlOf(request), route: routeTemplate(request), status: response.statusCode };
}

function closingMessage(request: IncomingMessage, response: ServerResponse, durationMs: number): string {
  return `${request.method} ${urlOf(request)} ${response.statusCode} ${durationMs} ms`;
}

function requestIdFor(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The URL as the client sent it: Express's routers strip their mount path from `url` on the way. */
function urlOf(request: IncomingMessage): string | undefined {
  return (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url;
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}
