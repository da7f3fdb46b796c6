/**
 * Browser origins allowed to call the API (CORS_ORIGINS). Used for the WebSocket upgrade, where
 * CORS does not apply and the server itself must refuse a page from elsewhere: a request without
 * `Origin` (not a browser) and a page of this server itself (the IDE) are always allowed.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return !!host && new URL(origin).host === host;
  } catch {
    return false;
  }
}
