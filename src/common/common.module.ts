import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import { AdminAccess } from './auth/admin-access.js';
import { ErrorDialects } from './http/error-dialects.js';
import { OwnBodyRoutes } from './http/own-body-routes.js';
import { ServiceStart } from './service-start.js';

/** Cross-cutting adapters every feature may use. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, ServiceStart, ErrorDialects, OwnBodyRoutes, AdminAccess],
  exports: [Clock, ServiceStart, ErrorDialects, OwnBodyRoutes, AdminAccess],
})
export class CommonModule {}
