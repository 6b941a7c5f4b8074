import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { GeminiImageProvider } from './gemini-image.provider.js';
import { GenerationService } from './generation.service.js';
import { IMAGE_PROVIDER, type ImageProvider } from './image-provider.js';
import { LocalImageProvider } from './local-image.provider.js';

function createImageProvider(config: AppConfig): ImageProvider {
  const { generation } = config;
  const logger = new Logger('ImageProvider');
  if (generation.provider === 'local') {
    const why = generation.requested === 'local' ? 'IMAGE_PROVIDER=local' : 'no GEMINI_API_KEY set';
    logger.log(`Using the local image provider (${why}); images are marked source "local"`);
    return new LocalImageProvider();
  }
  const { apiKey, model, baseUrl, timeoutMs, maxRetries } = generation.gemini;
  logger.log(`Using Gemini (${model})${baseUrl ? ` at ${baseUrl}` : ''}`);
  return new GeminiImageProvider({ apiKey: apiKey!, model, baseUrl, timeoutMs, maxRetries });
}

@Module({
  providers: [{ provide: IMAGE_PROVIDER, inject: [AppConfig], useFactory: createImageProvider }, GenerationService],
  exports: [GenerationService],
})
export class GenerationModule {}
