import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { NotFoundError } from '../common/errors';

/**
 * A config_id that is not a UUID cannot name any configuration: 404 like any other unknown id
 * (rather than 400), so ids never hint at what exists.
 */
@Injectable()
export class ConfigIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new NotFoundError('Configuration not found');
    return value.toLowerCase();
  }
}
