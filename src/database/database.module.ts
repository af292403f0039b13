import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EnvironmentVariables } from '../config/environment-variables';
import { buildDataSourceOptions } from './data-source-options';

/** The application's one TypeORM DataSource (PostgreSQL or SQLite), migrated at start-up. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [EnvironmentVariables],
      useFactory: (env: EnvironmentVariables) => ({
        ...buildDataSourceOptions(env),
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
