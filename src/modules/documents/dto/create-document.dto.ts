import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MinLength } from 'class-validator';
import { DOCUMENT_FORMATS, type DocumentFormat } from '../document-format';

/** Body of `POST /documents` as JSON. */
export class CreateDocumentDto {
  @ApiProperty({ example: 'petstore.yaml', maxLength: 255 })
  @IsString()
  @Length(1, 255, { message: 'name must be 1–255 characters' })
  name: string;

  @ApiProperty({ description: 'The document itself: an OpenAPI 3.x / Swagger 2.0 description (JSON or YAML), Markdown or plain text', example: 'openapi: 3.0.3\ninfo: …' })
  @IsString()
  @MinLength(1, { message: 'content must not be empty' })
  content: string;

  @ApiPropertyOptional({ enum: DOCUMENT_FORMATS, description: 'Detected from the content when omitted' })
  @IsOptional()
  @IsIn(DOCUMENT_FORMATS, { message: `format must be one of ${DOCUMENT_FORMATS.join(', ')}` })
  format?: DocumentFormat;
}

/** The text fields that may accompany a multipart upload. */
export class UploadDocumentFieldsDto {
  @ApiPropertyOptional({ description: 'Defaults to the uploaded file name' })
  @IsOptional()
  @IsString()
  @Length(1, 255, { message: 'name must be 1–255 characters' })
  name?: string;

  @ApiPropertyOptional({ enum: DOCUMENT_FORMATS })
  @IsOptional()
  @IsIn(DOCUMENT_FORMATS, { message: `format must be one of ${DOCUMENT_FORMATS.join(', ')}` })
  format?: DocumentFormat;
}
