import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig, parseAppConfig } from './app-config.js';

export interface AppConfigOptions {
  /**
   * An explicit environment (tests). When absent, `.env` and process.env are read, with
   * process.env winning, as @nestjs/config does.
   */
  env?: Record<string, string | undefined>;
}

const APP_CONFIG_KEY = 'app';

/** Loads `.env`, validates everything once, and provides the typed AppConfig globally. */
@Global()
@Module({})
export class AppConfigModule {
  /** Async because validation runs here, at boot, before any other module is created. */
  static async forRoot(options: AppConfigOptions = {}): Promise<DynamicModule> {
    const explicitEnv = options.env;
    return {
      module: AppConfigModule,
      imports: [
        await ConfigModule.forRoot({
          ignoreEnvFile: explicitEnv !== undefined,
          ignoreEnvVars: explicitEnv !== undefined,
          skipProcessEnv: true,
          validate: (raw) => ({ [APP_CONFIG_KEY]: parseAppConfig(explicitEnv ?? raw) }),
        }),
      ],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (configService: ConfigService) => configService.getOrThrow<AppConfig>(APP_CONFIG_KEY),
        },
      ],
      exports: [AppConfig],
    };
  }
}
