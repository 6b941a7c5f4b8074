import { Module } from '@nestjs/common';
import { ImagesModule } from '../../images/images.module.js';
import { ScenesModule } from '../../scenes/scenes.module.js';
import { StorageModule } from '../../storage/storage.module.js';
import { InPlaceAdoption } from './in-place-adoption.js';
import { LegacyAdoption } from './legacy-adoption.service.js';

/** Bringing an old FastAPI backend's data across: in place at boot, or by `npm run adopt`. */
@Module({
  imports: [ImagesModule, ScenesModule, StorageModule],
  providers: [LegacyAdoption, InPlaceAdoption],
  exports: [LegacyAdoption],
})
export class AdoptionModule {}
