import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DocumentsModule } from '../documents/documents.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { TestRunEntity } from './entities/test-run.entity';
import { TestSuiteEntity } from './entities/test-suite.entity';
import { TestExecutionHandler } from './execution/test-execution.handler';
import { TestTargetPolicy } from './execution/test-target.policy';
import { TestGenerationHandler } from './generation/test-generation.handler';
import { PipelinesController } from './pipelines.controller';
import { TestSuitesController } from './test-suites.controller';
import { TestSuitesService } from './test-suites.service';

/** Test suites generated from documents, runs against live services, and the pipeline endpoint. */
@Module({
  imports: [TypeOrmModule.forFeature([TestSuiteEntity, TestRunEntity]), DocumentsModule, PipelinesModule],
  controllers: [TestSuitesController, PipelinesController],
  providers: [TestSuitesService, TestTargetPolicy, TestGenerationHandler, TestExecutionHandler],
  exports: [TestSuitesService],
})
export class TestSuitesModule {}
