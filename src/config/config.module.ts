import { Global, Module } from '@nestjs/common';
import { loadSettingsFromEnvironment, Settings } from './settings';

@Global()
@Module({
  providers: [{ provide: Settings, useFactory: loadSettingsFromEnvironment }],
  exports: [Settings],
})
export class ConfigModule {}
