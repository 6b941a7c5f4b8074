/**
 * What the service knows about Gemini's image models: the sizes they draw, how many
 * pictures and characters they take as references, and an estimated price per image.
 * From Google's model and pricing pages (2026-12); GEMINI_PRICES overrides the prices.
 */

/** Output resolutions of the image models: the long side is about 1024, 2048 or 4096 px. */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
export const DEFAULT_IMAGE_SIZE: ImageSize = '1K';
/** How much larger than the 1K size each side is. */
export const IMAGE_SIZE_SCALE: Record<ImageSize, number> = { '1K': 1, '2K': 2, '4K': 4 };

/** What one model can be asked. */
export interface ModelCapabilities {
  imageSizes: readonly ImageSize[];
  /** Input pictures per request (an edit's source and every reference). */
  maxInputImages: number;
  /** Of those, pictures of characters the model keeps consistent. */
  maxCharacters: number;
}

export type ImagePrices = Partial<Record<ImageSize, number>>;

interface KnownModel extends ModelCapabilities {
  /** Estimated USD per generated image, by size. */
  pricesUsd: ImagePrices;
}

/** The current default: GA since 2026-05-28, no shutdown date announced. */
export const DEFAULT_GEMINI_MODELS = ['gemini-3.1-flash-image'];

const KNOWN_MODELS: Record<string, KnownModel> = {
  'gemini-3.1-flash-image': {
    imageSizes: IMAGE_SIZES,
    maxInputImages: 14,
    maxCharacters: 4,
    pricesUsd: { '1K': 0.067, '2K': 0.101, '4K': 0.151 },
  },
  'gemini-3-pro-image': {
    imageSizes: IMAGE_SIZES,
    maxInputImages: 14,
    maxCharacters: 5,
    pricesUsd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
  },
  // Shut down on 2026-10-02; kept so a chain that still names it is priced and bounded.
  'gemini-2.5-flash-image': { imageSizes: ['1K'], maxInputImages: 3, maxCharacters: 3, pricesUsd: { '1K': 0.039 } },
};

/**
 * A model this table does not know (a newer one) is assumed to do what the default does:
 * Google's newer image models have only ever added sizes and reference slots. Its price is
 * unknown (no spend is counted) unless GEMINI_PRICES names it.
 */
const ASSUMED_CAPABILITIES: ModelCapabilities = KNOWN_MODELS[DEFAULT_GEMINI_MODELS[0]];

/** `-preview` and dated variants share their family's entry. */
function knownModel(model: string): KnownModel | undefined {
  return KNOWN_MODELS[model] ?? KNOWN_MODELS[model.replace(/-preview(-[\w-]+)?$/, '').replace(/-\d{3}$/, '')];
}

export function capabilitiesOf(model: string): ModelCapabilities {
  const { imageSizes, maxInputImages, maxCharacters } = knownModel(model) ?? ASSUMED_CAPABILITIES;
  return { imageSizes, maxInputImages, maxCharacters };
}

/** Estimated USD for one image of this size, or undefined when not known. */
export function estimatedPriceUsd(model: string, size: ImageSize, overrides: Record<string, ImagePrices>): number | undefined {
  return overrides[model]?.[size] ?? knownModel(model)?.pricesUsd[size];
}

/** The capabilities every model of a chain shares, so a fallback never meets a request it cannot take. */
export function sharedCapabilities(models: readonly string[]): ModelCapabilities {
  const all = models.map(capabilitiesOf);
  return {
    imageSizes: IMAGE_SIZES.filter((size) => all.every((model) => model.imageSizes.includes(size))),
    maxInputImages: Math.min(...all.map((model) => model.maxInputImages)),
    maxCharacters: Math.min(...all.map((model) => model.maxCharacters)),
  };
}

/** `GEMINI_MODEL`: model ids in order of preference, comma-separated. */
export function parseModelList(raw: string): string[] | undefined {
  const models = raw.split(',').map((model) => model.trim().replace(/^models\//, ''));
  const valid = models.every((model) => /^[a-z0-9][a-z0-9.-]{0,99}$/i.test(model));
  return valid && models.length > 0 && new Set(models).size === models.length ? models : undefined;
}

/** `GEMINI_PRICES`: `model=usd` (any size) or `model:2K=usd`, comma-separated. */
export function parsePrices(raw: string): Record<string, ImagePrices> | undefined {
  const prices: Record<string, ImagePrices> = {};
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z0-9][a-z0-9.-]*)(?::(1K|2K|4K))?=(\d+(?:\.\d+)?)$/i.exec(entry);
    if (!match) return undefined;
    const [, model, size, usd] = match;
    const sizes = size ? [size.toUpperCase() as ImageSize] : IMAGE_SIZES;
    prices[model] = { ...prices[model], ...Object.fromEntries(sizes.map((each) => [each, Number(usd)])) };
  }
  return prices;
}
