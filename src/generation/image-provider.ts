import { IMAGE_SIZE_SCALE, type ImageSize, type ModelCapabilities } from './gemini-models.js';

/** Aspect ratios Gemini's image models accept, with the size they answer in. */
export const ASPECT_RATIO_SIZES = {
  '1:1': { width: 1024, height: 1024 },
  '2:3': { width: 832, height: 1248 },
  '3:2': { width: 1248, height: 832 },
  '3:4': { width: 864, height: 1184 },
  '4:3': { width: 1184, height: 864 },
  '4:5': { width: 896, height: 1152 },
  '5:4': { width: 1152, height: 896 },
  '9:16': { width: 768, height: 1344 },
  '16:9': { width: 1344, height: 768 },
  '21:9': { width: 1536, height: 672 },
} as const;

export type AspectRatio = keyof typeof ASPECT_RATIO_SIZES;
export const ASPECT_RATIOS = Object.keys(ASPECT_RATIO_SIZES) as AspectRatio[];
export const DEFAULT_ASPECT_RATIO: AspectRatio = '1:1';

/** The size Gemini answers in for an aspect ratio and image size. */
export function outputSize(aspectRatio: AspectRatio, imageSize: ImageSize): { width: number; height: number } {
  const { width, height } = ASPECT_RATIO_SIZES[aspectRatio];
  const scale = IMAGE_SIZE_SCALE[imageSize];
  return { width: width * scale, height: height * scale };
}

/** Where a stored picture came from: a model, the local provider, or an import. */
export const IMAGE_SOURCES = ['gemini', 'local', 'import'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

export interface ImageRequest {
  /** The full text sent to the model (prompt plus style, already composed). */
  prompt: string;
  aspectRatio: AspectRatio;
  imageSize: ImageSize;
  /** Pictures sent with the prompt, in this order: an edit's source first, then references. */
  inputs?: InputImage[];
}

/** A picture the model is shown: the one to edit, or a reference to keep consistent. */
export interface InputImage {
  role: 'source' | 'reference';
  data: Buffer;
  mimeType: string;
}

export interface ProvidedImage {
  /** Encoded image bytes as the provider answered them (PNG, JPEG, ...). */
  data: Buffer;
  mimeType: string;
  source: Exclude<ImageSource, 'import'>;
  /** The model that drew it; null for providers that have none. */
  model: string | null;
}

/**
 * Where pictures come from. Implementations throw the errors of common/errors.ts
 * (ContentRefusedError, UpstreamUnavailableError, ...) so callers never see SDK types.
 */
export interface ImageProvider {
  readonly source: ProvidedImage['source'];
  /** The model name, part of scene cache keys so switching models never serves old art. */
  readonly model: string | null;
  /** What the model in use takes (sizes, input pictures); requests beyond it are refused before any call. */
  capabilities(): ModelCapabilities;
  generate(request: ImageRequest): Promise<ProvidedImage>;
}

/** DI token for the configured ImageProvider. */
export const IMAGE_PROVIDER = Symbol('IMAGE_PROVIDER');
