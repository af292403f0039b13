import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';

export const {
  ConfigurableModuleClass: TasksConfigurableModule,
  MODULE_OPTIONS_TOKEN: TASKS_OPTIONS_TOKEN,
  OPTIONS_TYPE: TASKS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TASKS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TasksModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
