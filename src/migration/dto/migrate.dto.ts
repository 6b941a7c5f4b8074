import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class ImportImageEntryDto {
  @ApiProperty({ example: 'data:image/png;base64,iVBORw0KGgo…' }) dataUrl!: string;
  @ApiPropertyOptional() prompt?: string;
  @ApiPropertyOptional() itemId?: string;
  @ApiPropertyOptional() itemType?: string;
  @ApiPropertyOptional() style?: string;
  @ApiPropertyOptional() featured?: boolean;
  @ApiPropertyOptional({ description: 'ISO-8601 or epoch milliseconds' }) createdAt?: string;
}

class ImportSceneEntryDto {
  @ApiProperty() description!: string;
  @ApiProperty({ example: 'data:image/jpeg;base64,/9j/4AAQ…' }) dataUrl!: string;
  @ApiPropertyOptional() style?: string;
  @ApiPropertyOptional({ description: 'ISO-8601 or epoch milliseconds' }) createdAt?: string;
}

/**
 * Either the structured form (`images`, `scenes`) or a raw dump (`localStorage`). For the
 * OpenAPI document only: the controller checks the shape, the service each entry.
 */
export class MigrateFromLocalStorageDto {
  @ApiPropertyOptional({ type: [ImportImageEntryDto] })
  images?: unknown[];

  @ApiPropertyOptional({ type: [ImportSceneEntryDto] })
  scenes?: unknown[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'A dump of the browser’s localStorage: every key with its string value',
    example: { 'char-42-portrait': 'data:image/png;base64,iVBORw0KGgo…', settings: '{"theme":"dark"}' },
  })
  localStorage?: Record<string, unknown>;
}

class ImportCountsDto {
  @ApiProperty() images!: number;
  @ApiProperty() scenes!: number;
}

class FailedImportDto {
  @ApiProperty({ example: 'localStorage["gallery"][2].image' }) ref!: string;
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
