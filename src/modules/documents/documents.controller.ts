import { BadRequestException, Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { DocumentsService, toDocumentView, type DocumentView } from './documents.service';
import { CreateDocumentDto, UploadDocumentFieldsDto } from './dto/create-document.dto';
import { DocumentAnalysisDto, DocumentDto, DocumentPageDto, DocumentSummaryDto } from './dto/document.dto';
import { ListDocumentsQueryDto } from './dto/list-documents-query.dto';
import { SubmitTaskOptionsDto } from './dto/submit-task-options.dto';
import { TaskSubmittedDto } from './dto/task-submitted.dto';


function validateOrThrow<T extends object>(type: new () => T, value: unknown): T {
  const instance = plainToInstance(type, value ?? {});
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  if (messages.length > 0) throw new BadRequestException(messages);
  return instance;
}

@ApiTags('documents')
@ApiExtraModels(CreateDocumentDto)
@Controller('documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a document',
    description:
      'JSON `{ name, content, format? }` or a multipart upload with a `file` field (and optional `name`, `format`). The format is detected ' +
      'when omitted: `openapi` (OpenAPI 3.0/3.1, Swagger 2.0, JSON or YAML), `markdown` or `text`. Larger than DOCUMENT_MAX_BYTES (5 MiB) → 413.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CreateDocumentDto) },
        {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' }, name: { type: 'string' }, format: { type: 'string', enum: ['openapi', 'markdown', 'text'] } },
        },
      ],
    },
  })
  @ApiCreatedResponse({ type: DocumentSummaryDto })
  @ApiBadRequestResponse({ description: 'A field is missing or malformed (the message names it)' })
  @ApiPayloadTooLargeResponse({ description: 'The document is larger than DOCUMENT_MAX_BYTES' })
  async create(@Body() body: Record<string, unknown>, @UploadedFile() file?: Express.Multer.File): Promise<DocumentView> {
    if (file) {
      const fields = validateOrThrow(UploadDocumentFieldsDto, body);
      const content = file.buffer.toString('utf8');
      if (content.includes('\u0000')) throw new BadRequestException('file must be a text document (JSON, YAML, Markdown or plain text), not binary');
      return this.documents.create({ name: fields.name ?? file.originalname, content, format: fields.format });
    }
    const dto = validateOrThrow(CreateDocumentDto, body);
    return this.documents.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List documents', description: 'Newest first, without their content.' })
  @ApiOkResponse({ type: DocumentPageDto })
  list(@Query() query: ListDocumentsQueryDto) {
    return this.documents.list(query.limit, query.offset);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a document with its content' })
  @ApiOkResponse({ type: DocumentDto })
  @ApiNotFoundResponse({ description: 'No document with this id' })
  async get(@Param('id', ParseIdPipe) id: string): Promise<DocumentView> {
    return toDocumentView(await this.documents.get(id), true);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a document', description: 'Its test suites, runs, reports and pipelines go with it.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No document with this id' })
  async delete(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.documents.delete(id);
  }

  @Post(':id/analyze')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Analyse a document (task document_analysis, worker thread)',
    description: 'Follow the task at GET /tasks/{task_id}; the result is also at GET /documents/{id}/analysis.',
  })
  @ApiAcceptedResponse({ type: TaskSubmittedDto })
  @ApiNotFoundResponse({ description: 'No document with this id' })
  async analyze(@Param('id', ParseIdPipe) id: string, @Body() options: SubmitTaskOptionsDto): Promise<TaskSubmittedDto> {
    const { task_id } = await this.documents.analyze(id, options);
    return { task_id, status: 'submitted', message: `Document analysis task submitted; follow it at GET /tasks/${task_id}` };
  }

  @Get(':id/analysis')
  @ApiOperation({ summary: 'The latest analysis of a document' })
  @ApiOkResponse({ type: DocumentAnalysisDto })
  @ApiNotFoundResponse({ description: 'No such document, or no completed analysis yet (the message says where its task stands)' })
  analysis(@Param('id', ParseIdPipe) id: string) {
    return this.documents.latestAnalysis(id);
  }
}
