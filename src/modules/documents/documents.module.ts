import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EnvironmentVariables } from '../../config/environment-variables';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { DocumentAnalysisHandler } from './analysis/document-analysis.handler';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DocumentEntity } from './entities/document.entity';

/** Uploaded API descriptions and requirement documents, and their analysis (task `document_analysis`). */
@Module({
  imports: [
    TypeOrmModule.forFeature([DocumentEntity]),
    PipelinesModule,
    MulterModule.registerAsync({
      inject: [EnvironmentVariables],
      // Multer stops reading past the limit (413) instead of buffering an oversized upload.
      useFactory: (env: EnvironmentVariables) => ({ limits: { fileSize: env.DOCUMENT_MAX_BYTES, files: 1, fields: 10 } }),
    }),
  ],
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentAnalysisHandler],
  exports: [DocumentsService],
})
export class DocumentsModule {}
