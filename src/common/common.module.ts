import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import { ErrorDialects } from './http/error-dialects.js';

/** Cross-cutting adapters every feature may use. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, ErrorDialects],
  exports: [Clock, ErrorDialects],
})
export class CommonModule {}
