import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AwsClients } from './aws-clients';
import { AwsHealthIndicator } from './aws-health.indicator';

@Global()
@Module({
  imports: [TerminusModule],
  providers: [AwsClients, AwsHealthIndicator],
  exports: [AwsClients, AwsHealthIndicator],
})
export class InfrastructureModule {}
