import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors';

const TICKER_PATTERN = /^[A-Z]{1,5}$/;

/** `{ticker}` path parameter: trimmed, upper-cased, 1-5 letters. */
@Injectable()
export class TickerParamPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const ticker = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (!TICKER_PATTERN.test(ticker)) {
      throw new ValidationFailedError([{ field: 'ticker', message: 'ticker must be 1-5 letters (A-Z)' }]);
    }
    return ticker;
  }
}
