import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { AdminAccess } from './common/auth/admin-access.js';
import { configureApp, useServiceLogger } from './app.setup.js';
import { AppConfig, ConfigValidationError } from './config/app-config.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bodyParser: false, // configureApp registers it with our limit
    abortOnError: false, // let a bad configuration surface as one readable error
    bufferLogs: true,
  });
  const config = app.get(AppConfig);
  useServiceLogger(app);
  configureApp(app);
  await app.listen(config.http.port, config.http.host);
  const shownHost = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const admin = app.get(AdminAccess);
  if (config.adminApiKey) Logger.log(admin.describe(), 'Bootstrap');
  else Logger.warn(admin.describe(), 'Bootstrap');
  Logger.log(`Listening on http://${shownHost}:${config.http.port} (API docs at /docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  const configError = findConfigError(error);
  console.error(configError ? configError.message : error);
  process.exit(1);
});

/** Nest may wrap errors thrown while resolving modules; find ours for a clean message. */
function findConfigError(error: unknown): ConfigValidationError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof ConfigValidationError) return current;
  }
  return undefined;
}
