/** Who is making a request: the name behind an API token, or `anonymous` when tokens are off. */
export interface Actor {
  name: string;
}

/** The token in `Bearer <token>` (or a bare token); null when nothing usable was sent. */
export function bearerToken(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const value = raw.trim();
  return /^Bearer\s+(.+)$/i.exec(value)?.[1]?.trim() ?? value;
}

/** The caller behind a token from API_TOKENS, or null for a token that is not known. */
export function actorForToken(token: string, tokens: ReadonlyMap<string, string>): Actor | null {
  const name = tokens.get(token);
  return name ? { name } : null;
}
