import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { SubmitTaskOptionsDto } from '../documents/dto/submit-task-options.dto';
import { TaskSubmittedDto } from '../documents/dto/task-submitted.dto';
import { REPORT_FORMATS, type ReportFormat } from './render';
import { ReportsService, type ReportView } from './reports.service';

class DownloadQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'html' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `format must be one of ${REPORT_FORMATS.join(', ')}` })
  format?: ReportFormat;
}

class ReportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'uuid', nullable: true }) task_id: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ example: { total: 24, passed: 20, failed: 3, errored: 1, latency_ms: { p50: 3.1, p95: 9.8, max: 15 } } }) summary: Record<string, unknown>;
  @ApiProperty({ example: { html: '/reports/{id}/download?format=html' } }) downloads: Record<string, string>;
}

@ApiTags('reports')
@Controller()
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post('test-runs/:id/reports')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Build a report of a completed test run (task report_generation, worker thread)', description: 'The task\u2019s result_data carries report_id.' })
  @ApiAcceptedResponse({ type: TaskSubmittedDto })
  @ApiNotFoundResponse({ description: 'No test run with this id' })
  @ApiConflictResponse({ description: 'The run has not completed' })
  async create(@Param('id', ParseIdPipe) id: string, @Body() options: SubmitTaskOptionsDto): Promise<TaskSubmittedDto> {
    const { task_id } = await this.reports.request(id, options);
    return { task_id, status: 'submitted', message: `Report generation task submitted; follow it at GET /tasks/${task_id}` };
  }

  @Get('reports/:id')
  @ApiOperation({ summary: 'A report\u2019s summary and download links' })
  @ApiOkResponse({ type: ReportDto })
  @ApiNotFoundResponse({ description: 'No report with this id' })
  get(@Param('id', ParseIdPipe) id: string): Promise<ReportView> {
    return this.reports.view(id);
  }

  @Get('reports/:id/download')
  @ApiOperation({
    summary: 'Download a report',
    description: 'html: one self-contained file (no scripts, no external resources); markdown; json; junit (XML for CI systems).',
  })
  @ApiProduces('text/html', 'text/markdown', 'application/json', 'application/xml')
  @ApiOkResponse({ description: 'The report file' })
  @ApiNotFoundResponse({ description: 'No report with this id' })
  async download(@Param('id', ParseIdPipe) id: string, @Query() query: DownloadQueryDto, @Res() res: Response): Promise<void> {
    const format = query.format ?? 'html';
    const file = await this.reports.download(id, format);
    res
      .status(HttpStatus.OK)
      .type(file.contentType)
      .setHeader('content-disposition', `attachment; filename="report-${id}.${file.extension}"`)
      // The HTML embeds what the target answered: forbid it to run anything even if opened inline.
      .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      .setHeader('x-content-type-options', 'nosniff')
      .send(file.body);
  }
}
