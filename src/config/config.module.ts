import { Global, Module } from '@nestjs/common';
import { loadSettings, Settings } from './settings';

@Global()
@Module({
  providers: [{ provide: Settings, useFactory: (): Settings => loadSettings(process.env) }],
  exports: [Settings],
})
export class ConfigModule {}
