import type { ImageEntity } from './image.entity.js';

/** What a request asks the model to keep consistent with. */
export interface ReferenceRequest {
  /** Images shown as they are. */
  imageIds?: string[];
  /** Items (characters) whose featured image is shown. */
  characterIds?: string[];
  /** A character without a featured image is left out instead of refused (v1's automatic references). */
  skipUnfeatured?: boolean;
}

export interface Reference {
  image: ImageEntity;
  /** The character (item id) it stands for; null for a plain reference image. */
  character: string | null;
}

/** References found and checked against the model's limits: what a generation shows the model. */
export class ResolvedReferences {
  static readonly NONE = new ResolvedReferences([]);

  constructor(readonly items: readonly Reference[]) {}

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** What the scene cache key takes: the pictures' content, in order. */
  get contentHashes(): string[] {
    return this.items.map((reference) => reference.image.contentHash);
  }

  /** The prompt, with a note telling the model what each attached picture is. */
  annotate(prompt: string): string {
    if (this.isEmpty) return prompt;
    const notes = this.items.map(({ character }, index) =>
      character ? `image ${index + 1} shows the character "${character}"` : `image ${index + 1} is a reference`,
    );
    return `${prompt}\n\nAttached reference images: ${notes.join('; ')}. Keep each character looking as in their reference.`;
  }
}
