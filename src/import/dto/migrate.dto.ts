import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ImportImageEntryDto, ImportSceneEntryDto } from './import-entries.dto.js';

const PICTURE = { type: 'string', description: 'A data URL or bare base64' } as const;

/**
 * One of: the structured form (`images`, `scenes`); a raw dump wrapped as `localStorage`; the
 * game's LocalStorage object itself (its keys, such as `nanoBananaImageLibrary`, at the top
 * level, which this class cannot list); or the old route's `scene_cache` and `item_images`. The
 * body's form is told apart by readImportBody; each structured entry is then checked against
 * its entry DTO, and each other form's entries by their readers, so one bad entry fails alone.
 */
export class MigrateFromLocalStorageDto {
  @ApiPropertyOptional({ type: [ImportImageEntryDto] })
  images?: unknown[];

  @ApiPropertyOptional({ type: [ImportSceneEntryDto] })
  scenes?: unknown[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'A dump of the browser’s localStorage: every key with its string value. The game’s nanoBananaSceneCache and nanoBananaImageLibrary are read by their layout (as JSON text or parsed); other keys are searched for pictures. The same object may be sent as the body itself.',
    example: { nanoBananaImageLibrary: '{"Rusty Sword":{"featured":"img_1","images":[{"id":"img_1","data":"iVBORw0KGgo…","timestamp":"2025-10-25T09:45:09.000Z","customPrompt":""}]}}', 'dnd-theme': 'cyber' },
  })
  localStorage?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object', properties: { image: PICTURE, timestamp: { type: 'string' } } },
    description: 'The old route’s form: keys scene_cache_<Location>_<time>_<weather>',
  })
  scene_cache?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { images: { type: 'array', items: { type: 'object', properties: { image: PICTURE, custom_prompt: { type: 'string' }, is_featured: { type: 'boolean' } } } } },
    },
    description: 'The old route’s form: keys item_image_<Name>',
  })
  item_images?: Record<string, unknown>;
}

class ImportCountsDto {
  @ApiProperty() images!: number;
  @ApiProperty() scenes!: number;
}

class FailedImportDto {
  @ApiProperty({ example: 'nanoBananaImageLibrary["Rusty Sword"].images[1]' }) ref!: string;
  @ApiProperty({ example: 'SVG images are not imported: they can carry scripts' }) reason!: string;
}

class OverLimitDto {
  @ApiProperty() itemId!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'MAX_IMAGES_PER_ITEM' }) max!: number;
}

export class ImportReportDto {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ type: ImportCountsDto }) imported!: ImportCountsDto;
  @ApiProperty({ example: { duplicates: 0 } }) skipped!: { duplicates: number };
  @ApiProperty({ type: [FailedImportDto] }) failed!: FailedImportDto[];
  @ApiProperty({ description: 'Bytes of the pictures imported, as decoded from the dump' }) importedBytes!: number;
  @ApiProperty({ type: [OverLimitDto], description: 'Items now over MAX_IMAGES_PER_ITEM (imports are never evicted)' })
  overLimit!: OverLimitDto[];
}
