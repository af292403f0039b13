import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PipelineEntity } from './pipeline.entity';
import { PipelinesService } from './pipelines.service';

/** Pipelines' state; imported by the feature modules whose handlers advance them. */
@Module({
  imports: [TypeOrmModule.forFeature([PipelineEntity])],
  providers: [PipelinesService],
  exports: [PipelinesService],
})
export class PipelinesModule {}
