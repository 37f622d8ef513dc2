import { IncludeExtendedHoursField, NameField, TickersField, TimeframeDaysField } from './configuration-fields';

export class CreateConfigurationRequest {
  @NameField(true)
  name!: string;

  @TickersField(true)
  tickers!: string[];

  @TimeframeDaysField()
  timeframe_days: number = 7;

  @IncludeExtendedHoursField()
  include_extended_hours: boolean = false;
}

/** Any subset of the create fields (at least one, checked by the service), same rules. */
export class UpdateConfigurationRequest {
  @NameField(false)
  name?: string;

  @TickersField(false)
  tickers?: string[];

  @TimeframeDaysField()
  timeframe_days?: number;

  @IncludeExtendedHoursField()
  include_extended_hours?: boolean;
}
