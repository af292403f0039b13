import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { TaskMetrics } from './task-metrics.service';

/** `GET /metrics` in the Prometheus text format. */
@Module({
  controllers: [MetricsController],
  providers: [TaskMetrics],
  exports: [TaskMetrics],
})
export class MetricsModule {}
