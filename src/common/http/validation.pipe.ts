import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { FieldError, ValidationFailedError } from '../errors/common.errors';

/** Flattens class-validator's tree into `{field, message}` pairs with dotted paths (`tickers.0`). */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

type Constructor = new (...args: unknown[]) => unknown;

/**
 * Nest's ValidationPipe with one gap closed: class-transformer silently drops fields named like
 * Object.prototype members (`toString`, `constructor`, …), so `forbidNonWhitelisted` never sees
 * them. Unknown keys of a body or query object are therefore checked against the DTO's declared
 * properties before the usual transformation.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  private readonly declared = new WeakMap<Constructor, ReadonlySet<string>>();

  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const unknown = this.unknownFields(value, metadata);
    try {
      const transformed = await super.transform(value, metadata);
      if (unknown.length > 0) throw new ValidationFailedError(unknown);
      return transformed;
    } catch (error) {
      if (!(error instanceof ValidationFailedError) || unknown.length === 0) throw error;
      const reported = new Set(error.errors.map((e) => e.field));
      throw new ValidationFailedError([...error.errors, ...unknown.filter((e) => !reported.has(e.field))]);
    }
  }

  private unknownFields(value: unknown, metadata: ArgumentMetadata): FieldError[] {
    const metatype = metadata.metatype as Constructor | undefined;
    if (metadata.type !== 'body' && metadata.type !== 'query') return [];
    if (!metatype || !this.toValidate(metadata)) return [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const known = this.declaredProperties(metatype);
    return Object.keys(value)
      .filter((key) => !known.has(key))
      .map((field) => ({ field, message: `property ${field} should not exist` }));
  }

  private declaredProperties(metatype: Constructor): ReadonlySet<string> {
    let names = this.declared.get(metatype);
    if (!names) {
      const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
      names = new Set(metadatas.map((m) => m.propertyName));
      this.declared.set(metatype, names);
    }
    return names;
  }
}
