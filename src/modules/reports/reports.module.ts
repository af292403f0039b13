import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DocumentsModule } from '../documents/documents.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { TestSuitesModule } from '../test-suites/test-suites.module';
import { ReportEntity } from './entities/report.entity';
import { ReportGenerationHandler } from './report-generation.handler';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Reports of test runs in HTML, Markdown, JSON and JUnit (task `report_generation`). */
@Module({
  imports: [TypeOrmModule.forFeature([ReportEntity]), TestSuitesModule, DocumentsModule, PipelinesModule],
  controllers: [ReportsController],
  providers: [ReportsService, ReportGenerationHandler],
})
export class ReportsModule {}
