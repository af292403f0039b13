export { AppConfigModule } from './app-config.module';
export { EnvironmentVariables } from './environment-variables';
export { InvalidConfigurationError, validateEnvironment } from './validate-environment';
