import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ImagesModule } from '../images/images.module.js';
import { MaintenanceModule } from '../maintenance/maintenance.module.js';
import { ImportBodyMiddleware } from '../import/import-body.middleware.js';
import { ImportModule } from '../import/import.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { SeedApiErrors } from './seed-api-errors.js';
import { SeedImagesController } from './seed-images.controller.js';
import { SeedMaintenanceController, SeedMigrationController } from './seed-maintenance.controller.js';
import { SeedScenesController } from './seed-scenes.controller.js';

/**
 * `/api/v1`: the old FastAPI backend's wire contract, so its game and scripts work unchanged.
 * Translation only: its controllers, DTOs, presenter and error dialect turn the old shapes
 * into calls on the same services v2 uses. Nothing imports this folder.
 */
@Module({
  imports: [ImagesModule, ScenesModule, MaintenanceModule, ImportModule],
  controllers: [SeedImagesController, SeedScenesController, SeedMaintenanceController, SeedMigrationController],
  providers: [SeedApiErrors],
})
export class SeedApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ImportBodyMiddleware).forRoutes(SeedMigrationController);
  }
}
