/** Who is making a request: the name behind an API token, or `anonymous` when tokens are off. */
export interface Actor {
  name: string;
}

/**
 * The token of an `Authorization: Bearer <token>` value: null when nothing was sent, '' when
 * something else was (which no token matches, so it is refused rather than ignored).
 */
export function bearerToken(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  return /^Bearer\s+(.+)$/i.exec(raw.trim())?.[1]?.trim() ?? '';
}

/** The caller behind a token from API_TOKENS, or null for a token that is not known. */
export function actorForToken(token: string, tokens: ReadonlyMap<string, string>): Actor | null {
  const name = tokens.get(token);
  return name ? { name } : null;
}
