import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TasksHealthIndicator } from './tasks.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly tasks: TasksHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness', description: 'The process is up and its event loop is not stuck. Does not look at the database.' })
  @ApiServiceUnavailableResponse({ description: 'The event loop is badly delayed' })
  live() {
    return this.health.check([() => this.tasks.eventLoop('event_loop')]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness',
    description: 'Database reachable, migrations applied, and — on a worker — the dispatcher running with a fresh lease heartbeat and the worker pool alive.',
  })
  @ApiServiceUnavailableResponse({ description: 'A check is down; the body names it and says why' })
  ready() {
    return this.health.check(this.readinessChecks());
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Full health', description: 'Readiness plus the event loop and the queue backlog and its oldest waiting task.' })
  @ApiServiceUnavailableResponse({ description: 'A check is down' })
  full() {
    return this.health.check([...this.readinessChecks(), () => this.tasks.eventLoop('event_loop'), () => this.tasks.queue('queue')]);
  }

  private readinessChecks() {
    return [
      () => this.database.pingCheck('database').withTimeout(3000),
      () => this.tasks.migrations('migrations'),
      () => this.tasks.dispatcherAlive('dispatcher'),
      () => this.tasks.workerPool('worker_pool'),
    ];
  }
}
