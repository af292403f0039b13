import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller';

/**
 * The engine's HTTP API (`/tasks`: list, read, statistics, cancel, retry), kept
 * apart from `TasksModule` so that a process that only submits or runs tasks (a
 * worker, another service embedding the engine) does not load the controller,
 * its DTOs and Swagger's decorators: ~8 MB less memory per such process
 * (measured: `@nestjs/swagger` imported beside NestJS, TypeORM and
 * class-validator). It serves through `TaskManager`, so `TasksModule` must be
 * imported too (it is global by default).
 */
@Module({ controllers: [TasksController] })
export class TasksApiModule {}
