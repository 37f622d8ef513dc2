import { Injectable } from '@nestjs/common';

/** The time quota windows are computed from; tests replace it to cross window boundaries. */
@Injectable()
export class QuotaClock {
  now(): Date {
    return new Date();
  }
}
