import { CreateTasks1764230400000 as PostgresCreateTasks } from './postgres/1764230400000-create-tasks';
import { CreateTasks1764230400000 as SqliteCreateTasks } from './sqlite/1764230400000-create-tasks';
import { CreatePipelineTables1764234000000 as PostgresCreatePipelineTables } from './postgres/1764234000000-create-pipeline-tables';
import { CreatePipelineTables1764234000000 as SqliteCreatePipelineTables } from './sqlite/1764234000000-create-pipeline-tables';
import { CheaperTaskChecks1764241200000 as PostgresCheaperTaskChecks } from './postgres/1764241200000-cheaper-task-checks';
import { LeaseIndexByType1764244800000 as PostgresLeaseIndexByType } from './postgres/1764244800000-lease-index-by-type';
import { LeaseIndexByType1764244800000 as SqliteLeaseIndexByType } from './sqlite/1764244800000-lease-index-by-type';

/** Migrations per dialect, in order. Listed explicitly so they load the same from sources and from `dist`. */
export const POSTGRES_MIGRATIONS = [PostgresCreateTasks, PostgresCreatePipelineTables, PostgresCheaperTaskChecks, PostgresLeaseIndexByType];
export const SQLITE_MIGRATIONS = [SqliteCreateTasks, SqliteCreatePipelineTables, SqliteLeaseIndexByType];
