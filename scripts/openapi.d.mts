import type { OpenAPIObject } from '@nestjs/swagger';

export declare const DOCUMENT_PATH: string;
export declare const CLIENT_TYPES_PATH: string;
export declare function documentText(document: OpenAPIObject): string;
export declare function clientTypesText(document: OpenAPIObject): Promise<string>;
