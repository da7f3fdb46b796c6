import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { actorForToken, bearerToken, Role, ROLES, type Actor } from './actor';
import { ROLE_SCOPES } from './scopes';
import type { AuthConfig, Config } from './config';
import { ServiceUnavailableError, UnauthenticatedError } from './errors';
import { isUuid } from './ids';

/** Why a token was refused: `extensions.reason` of the UNAUTHENTICATED error. */
export type TokenRefusal =
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_SIGNATURE_INVALID'
  | 'TOKEN_ALGORITHM_NOT_ALLOWED'
  | 'TOKEN_AUDIENCE_INVALID'
  | 'TOKEN_ISSUER_INVALID'
  | 'TOKEN_CLAIMS_INVALID';

/** An UNAUTHENTICATED refusal with its reason (HTTP 401); the message never shows the token. */
export function tokenRefused(reason: TokenRefusal, message: string): UnauthenticatedError {
  return new UnauthenticatedError(message, { reason, http: { status: 401 } });
}

/** Asymmetric algorithms accepted from a JWKS; `none` and HMAC never are. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Where the secret comes from when AUTH_JWT_SECRET and AUTH_JWKS_URL are unset (development only). */
export function developmentSecretFile(dataDir: string): string | null {
  if (dataDir.startsWith('memory://')) return null;
  return path.join(path.dirname(path.resolve(dataDir)), 'auth-secret');
}

/** One random secret per process for an in-memory database (nothing outlives the process anyway). */
let memorySecret: string | null = null;

/**
 * The HS256 secret this server (and `npm run token`) signs with: AUTH_JWT_SECRET, or, without it
 * and without AUTH_JWKS_URL, a secret generated once and kept beside the embedded data folder
 * (`<DATA_DIR>/../auth-secret`, mode 600), or an in-memory one for `DATA_DIR=memory://`.
 * Null with AUTH_JWKS_URL: tokens then come from the identity provider.
 */
export function signingSecret(config: Pick<Config, 'auth' | 'dataDir'>): { secret: string; file: string | null } | null {
  if (config.auth.jwtSecret) return { secret: config.auth.jwtSecret, file: null };
  if (config.auth.jwksUrl) return null;
  const file = developmentSecretFile(config.dataDir);
  if (!file) return { secret: (memorySecret ??= randomBytes(32).toString('hex')), file: null };
  try {
    return { secret: fs.readFileSync(file, 'utf8').trim(), file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // `wx`: a second process starting at the same moment keeps the first one's secret.
    fs.writeFileSync(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return { secret, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: fs.readFileSync(file, 'utf8').trim(), file };
  }
}

/** The claims a token of ours carries. */
export interface TokenClaims {
  sub: string;
  role: Role;
  org?: string | null;
}

/** Signs an HS256 token with the configured issuer and audience (the dev command and the tests). */
export async function signToken(
  secret: string,
  auth: Pick<AuthConfig, 'issuer' | 'audience'>,
  claims: TokenClaims,
  expiresIn: string | number = '12h',
): Promise<string> {
  // `scope` for a router's @requiresScopes (src/shared/scopes.ts); this server reads `role`.
  const scope = (ROLE_SCOPES as Record<string, readonly string[]>)[claims.role]?.join(' ');
  const jwt = new SignJWT({ role: claims.role, ...(claims.org ? { org: claims.org } : {}), ...(scope ? { scope } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (auth.issuer) jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt.setAudience(auth.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** The keys of AUTH_JWKS_URL could not be read: our problem, not the caller's (HTTP 503, nothing ran). */
function keysUnavailable(): ServiceUnavailableError {
  const error = new ServiceUnavailableError('The keys that verify tokens (AUTH_JWKS_URL) cannot be read right now; nothing was run. Retry shortly.');
  (error.extensions as Record<string, unknown>).http = { status: 503 };
  return error;
}

/** What a jose failure means to the caller; key-set failures are ours, not the caller's. */
function refusalOf(error: unknown, remoteKeys: boolean): UnauthenticatedError | ServiceUnavailableError {
  const { code, claim } = (error ?? {}) as { code?: string; claim?: string };
  // Not a JOSE error (connection refused, DNS) or a generic one (a non-200 answer) while fetching a key set: the keys are out of reach.
  if (remoteKeys && (!code?.startsWith('ERR_J') || code === 'ERR_JOSE_GENERIC')) return keysUnavailable();
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return tokenRefused('TOKEN_EXPIRED', 'The token has expired: get a new one.');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return tokenRefused('TOKEN_SIGNATURE_INVALID', "The token signature does not verify: it was not signed with this server's key.");
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return tokenRefused('TOKEN_SIGNATURE_INVALID', 'No key of AUTH_JWKS_URL matches the token (its kid and alg).');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return tokenRefused('TOKEN_ALGORITHM_NOT_ALLOWED', 'The token\'s algorithm ("alg" header) is not accepted here (never "none").');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return tokenRefused('TOKEN_AUDIENCE_INVALID', 'The token is meant for another audience ("aud" claim).');
      if (claim === 'iss') return tokenRefused('TOKEN_ISSUER_INVALID', 'The token comes from another issuer ("iss" claim).');
      if (claim === 'nbf') return tokenRefused('TOKEN_NOT_YET_VALID', 'The token is not valid yet ("nbf" claim).');
      return tokenRefused('TOKEN_CLAIMS_INVALID', `The token's "${claim ?? 'unknown'}" claim is missing or not valid.`);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return keysUnavailable();
    default:
      // JWSInvalid, JWTInvalid, and anything unparsable.
      return tokenRefused('TOKEN_MALFORMED', 'The token is not a well-formed JWT (three base64url parts, a JSON header and claims).');
  }
}

/** The caller a verified claim set names, or a TOKEN_CLAIMS_INVALID refusal. */
function actorOf(payload: JWTPayload): Actor {
  const { sub, role, org } = payload as JWTPayload & { role?: unknown; org?: unknown };
  if (typeof sub !== 'string' || !sub.trim() || sub.length > 200)
    throw tokenRefused('TOKEN_CLAIMS_INVALID', 'The token\'s "sub" claim must be a non-empty string of at most 200 characters.');
  if (typeof role !== 'string' || !ROLES.includes(role as Role))
    throw tokenRefused('TOKEN_CLAIMS_INVALID', `The token's "role" claim must be one of ${ROLES.join(', ')}.`);
  if (org != null && (typeof org !== 'string' || !isUuid(org)))
    throw tokenRefused('TOKEN_CLAIMS_INVALID', 'The token\'s "org" claim must be an organisation id (a UUID).');
  if (role === Role.EDITOR && org == null)
    throw tokenRefused('TOKEN_CLAIMS_INVALID', 'An EDITOR token needs an "org" claim: the organisation whose subtree it may change.');
  return { name: sub, sub, role: role as Role, org: typeof org === 'string' ? org.toLowerCase() : null };
}

/** Verifies bearer tokens: HS256 with a secret, or the keys of a JWKS URL (fetched and cached by jose). */
export class Authenticator {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(
    private readonly config: Pick<Config, 'auth' | 'apiTokens'>,
    secret: string | null,
  ) {
    if (secret) {
      this.key = new TextEncoder().encode(secret);
      this.algorithms = ['HS256'];
    } else if (config.auth.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.auth.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.algorithms = JWKS_ALGORITHMS;
    } else {
      throw new Error('Authenticator needs a secret or AUTH_JWKS_URL');
    }
  }

  /** The caller behind a verified token; refusals are UNAUTHENTICATED with their reason. */
  async verify(token: string): Promise<Actor> {
    const known = actorForToken(token, this.config.apiTokens);
    if (known) return known;
    const { issuer, audience, clockSkewS } = this.config.auth;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        clockTolerance: clockSkewS,
        requiredClaims: ['exp', 'sub'],
        ...(issuer ? { issuer } : {}),
        ...(audience ? { audience } : {}),
      }));
    } catch (error) {
      throw refusalOf(error, typeof this.key === 'function');
    }
    return actorOf(payload);
  }

  /**
   * The caller of an `Authorization` value (HTTP header or connection_init field): null when none
   * was sent and anonymous reads are allowed; UNAUTHENTICATED when it is not a valid bearer token,
   * or when none was sent and ANONYMOUS_READS is off.
   */
  async callerOf(authorization: unknown): Promise<Actor | null> {
    const token = bearerToken(authorization);
    if (token === null) {
      if (this.config.auth.anonymousReads) return null;
      throw tokenRefused('TOKEN_MISSING', 'This server does not answer anonymous callers (ANONYMOUS_READS=false): send "Authorization: Bearer <token>".');
    }
    if (token === '') throw tokenRefused('TOKEN_MALFORMED', 'Send the token as "Authorization: Bearer <token>".');
    return this.verify(token);
  }
}
