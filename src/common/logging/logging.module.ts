import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';
import { RequestLogging } from './request-logging.js';

/** The one RequestLogging, shared by nestjs-pino's module and the app's setup. */
@Module({
  providers: [{ provide: RequestLogging, inject: [AppConfig], useFactory: (config: AppConfig) => new RequestLogging(config.log) }],
  exports: [RequestLogging],
})
class RequestLoggingModule {}

/**
 * Logs through pino: RequestLogging builds the logger and the request middleware (installed by
 * configureApp ahead of everything, the file fast path included); nestjs-pino makes it Nest's
 * logger and binds each request's child logger, so a service's log line inside a request
 * carries that request's id.
 */
@Global()
@Module({
  imports: [
    RequestLoggingModule,
    LoggerModule.forRootAsync({
      imports: [RequestLoggingModule],
      inject: [RequestLogging],
      // `useExisting`: our middleware, installed at the front, already made the request's logger.
      useFactory: (logging: RequestLogging) => ({ pinoHttp: { logger: logging.logger }, useExisting: true }),
    }),
  ],
  exports: [RequestLoggingModule],
})
export class LoggingModule {}
