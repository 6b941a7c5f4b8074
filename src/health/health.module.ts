import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ImagesModule } from '../images/images.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }), ImagesModule],
  controllers: [HealthController],
})
export class HealthModule {}
