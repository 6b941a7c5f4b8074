import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import { AdminAccess } from './auth/admin-access.js';
import { ErrorDialects } from './http/error-dialects.js';

/** Cross-cutting adapters every feature may use. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, ErrorDialects, AdminAccess],
  exports: [Clock, ErrorDialects, AdminAccess],
})
export class CommonModule {}
