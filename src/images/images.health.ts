import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { messageOf } from '../common/errors.js';
import { ImagesRepository } from './images.repository.js';

/** `images`: the image store answers, with how many images it holds (the old health's `images.total`). */
@Injectable()
export class ImageStoreIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly repository: ImagesRepository,
  ) {}

  async check() {
    const check = this.indicators.check('images');
    try {
      return check.up({ count: await this.repository.countActive() });
    } catch (error) {
      return check.down({ message: messageOf(error) });
    }
  }
}
