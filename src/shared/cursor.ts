import { BadUserInputError } from './errors';

/** The position of a row in one ordering: the sort value and the id that breaks ties. */
export interface CursorPosition {
  order: string;
  value: string | number;
  id: string;
}

/** Opaque, URL-safe cursor. It names its ordering so a cursor from another ordering is refused. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.order, position.value, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, expectedOrder: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'string' ||
    !(typeof parsed[1] === 'string' || typeof parsed[1] === 'number') ||
    typeof parsed[2] !== 'string'
  ) {
    throw new BadUserInputError(`"${cursor.slice(0, 80)}" is not a cursor this API issued. Use a cursor from an edge or pageInfo.`, {
      argument: 'cursor',
    });
  }
  if (parsed[0] !== expectedOrder) {
    throw new BadUserInputError(
      `This cursor belongs to the ordering ${parsed[0]}, not ${expectedOrder}. Start again without a cursor when you change the ordering.`,
      { argument: 'cursor' },
    );
  }
  return { order: parsed[0], value: parsed[1], id: parsed[2] };
}
