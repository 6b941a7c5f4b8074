import type { TestingModuleBuilder } from '@nestjs/testing';
import { IMAGE_PROVIDER, type ImageProvider } from '../../src/generation/image-provider.js';
import { LocalImageProvider } from '../../src/generation/local-image.provider.js';

/** The local provider, whose first answer waits until the test lets it go. */
export interface HeldProvider {
  /** For createTestApp's `customize`: the app draws with this provider. */
  install: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Resolves once the app has asked for a picture. */
  asked: Promise<void>;
  /** Lets the answer go. */
  answer: () => void;
}

export function heldProvider(): HeldProvider {
  const local = new LocalImageProvider();
  let wasAsked!: () => void;
  const asked = new Promise<void>((resolve) => (wasAsked = resolve));
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const provider: ImageProvider = {
    source: local.source,
    model: local.model,
    capabilities: () => local.capabilities(),
    generate: async (imageRequest) => {
      wasAsked();
      await answered;
      return local.generate(imageRequest);
    },
  };
  return { install: (builder) => builder.overrideProvider(IMAGE_PROVIDER).useValue(provider), asked, answer };
}
