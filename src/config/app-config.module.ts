import { DynamicModule, Global, Module } from '@nestjs/common';
import { EnvironmentVariables } from './environment-variables';
import { validateEnvironment } from './validate-environment';

/**
 * Provides the validated `EnvironmentVariables` to the whole application.
 * Validation runs here, once, when the module is built: a bad value stops start-up.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: Record<string, unknown>): DynamicModule {
    const config = validateEnvironment(env);
    return {
      module: AppConfigModule,
      providers: [{ provide: EnvironmentVariables, useValue: config }],
      exports: [EnvironmentVariables],
    };
  }
}
