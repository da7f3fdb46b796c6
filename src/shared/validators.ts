import { IsOptional, IsUUID, Matches, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** A name must hold something visible: not only spaces, tabs or zero-width characters. */
export const NOT_BLANK = /[^\s\u200b-\u200d\u2060\ufeff]/u;

/** Reporting period codes such as `2023-H1`. */
export const PERIOD_CODE = /^[A-Za-z0-9-]{1,20}$/;

/**
 * Text checks that agree with the database. PostgreSQL's `varchar(n)` counts characters, that is
 * Unicode code points; JavaScript's `length` counts UTF-16 units and class-validator's `Length`
 * also leaves out U+FE0E/U+FE0F, so "a\uFE0F" × 300 passed a 300 check and overflowed
 * `varchar(300)`. These count code points, and refuse what PostgreSQL cannot store as sent:
 * NUL, and lone surrogates (which the UTF-8 encoder would silently turn into U+FFFD).
 */

/** Number of Unicode code points in `text` (a surrogate pair is one). */
export function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** A UTF-16 unit that is half of a surrogate pair without its other half. */
const LONE_SURROGATE = /\p{Cs}/u;

export interface TextRule {
  min: number;
  max: number;
  /** Also refuse text of only spaces, tabs or zero-width characters. */
  notBlank?: boolean;
}

/** What is wrong with `value` under `rule`, as the end of a sentence after the field's name; null when nothing is. */
export function textProblem(value: unknown, rule: TextRule): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const { min, max } = rule;
  const tooLong = min > 0 ? `must be ${min} to ${max} characters long` : `must be at most ${max} characters long`;
  // Each code point is one or two UTF-16 units: most texts are decided without counting.
  if (value.length > 2 * max) return tooLong;
  const count = value.length <= max && value.length >= 2 * min ? value.length : codePointCount(value);
  if (count > max || count < min) return tooLong;
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (it holds an unpaired surrogate)';
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (rule.notBlank && !NOT_BLANK.test(value)) return 'must not be blank';
  return null;
}

function textDecorator(name: string, rule: TextRule, options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options,
      // Kept in class-validator's metadata, where a test checks them against the columns.
      constraints: [rule.min, rule.max],
      validator: {
        validate: (value: unknown) => textProblem(value, rule) === null,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${textProblem(args.value, rule) ?? 'is not valid'}`,
      },
    });
  };
}

/** `min` to `max` code points (as `varchar(max)` counts them), no NUL, no lone surrogate. */
export function TextLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return textDecorator('textLength', { min, max }, options) as PropertyDecorator;
}

/** At most `max` code points, no NUL, no lone surrogate: descriptions, notes, search texts. */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return textDecorator('textLength', { min: 0, max }, options) as PropertyDecorator;
}

/** A name: `min` to `max` code points and not blank, no NUL, no lone surrogate. */
export function NameLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return textDecorator('nameLength', { min, max, notBlank: true }, options) as PropertyDecorator;
}

/** Several property decorators as one. */
function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/** Options of the id and code decorators: `optional` lets null and omission through. */
export interface RuleOptions {
  optional?: boolean;
}

const optionally = (optional: boolean | undefined, ...decorators: PropertyDecorator[]): PropertyDecorator =>
  all(...(optional ? [IsOptional() as PropertyDecorator] : []), ...decorators);

/**
 * The id of an `entity` (an organisation, a model, ...): a UUID, refused with BAD_USER_INPUT
 * naming the field otherwise. Every id argument of the inputs uses it, so a malformed id gets the
 * same answer everywhere.
 */
export function EntityId(entity: 'organisation' | 'model', options: RuleOptions = {}): PropertyDecorator {
  const article = /^[aeiou]/.test(entity) ? 'an' : 'a';
  return optionally(options.optional, IsUUID('all', { message: `$property must be ${article} ${entity} id (a UUID)` }) as PropertyDecorator);
}

/** A list of `entity` ids (each a UUID). */
export function EntityIds(entity: 'organisation' | 'model', options: RuleOptions = {}): PropertyDecorator {
  return optionally(options.optional, IsUUID('all', { each: true, message: `$property must be ${entity} ids (UUIDs)` }) as PropertyDecorator);
}

/** A reporting period code such as `2023-H1`. */
export function PeriodCode(options: RuleOptions = {}): PropertyDecorator {
  return optionally(options.optional, Matches(PERIOD_CODE, { message: '$property must be a period code such as 2023-H1' }) as PropertyDecorator);
}
