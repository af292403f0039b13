import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { TasksHealthIndicator } from './tasks.health';

/** `/health`, `/health/live`, `/health/ready` for orchestrators. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [TasksHealthIndicator],
})
export class HealthModule {}
