import { parseArgs } from 'node:util';
import { ROLES, Role } from '../src/shared/actor';
import { signingSecret, signToken } from '../src/shared/auth';
import { ConfigError, loadConfig } from '../src/shared/config';
import { isUuid } from '../src/shared/ids';

const USAGE = 'npm run token -- --role VIEWER|EDITOR|ADMIN|PARTNER [--organisation <id>] [--sub <name>] [--expires 12h]';

/**
 * `npm run token -- --role EDITOR --organisation <id>`: a token signed with the secret the
 * server uses (AUTH_JWT_SECRET, or the development secret beside the data folder), with the
 * configured issuer and audience. Explanations go first; the token is the last line.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'ADMIN' },
      organisation: { type: 'string' },
      org: { type: 'string' },
      sub: { type: 'string' },
      expires: { type: 'string', default: '12h' },
    },
  });
  const role = String(values.role).toUpperCase() as Role;
  if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}. Usage: ${USAGE}`);
  const org = values.organisation ?? values.org ?? null;
  if (org !== null && !isUuid(org)) throw new ConfigError(`--organisation must be an organisation id (a UUID). Usage: ${USAGE}`);
  if (role === Role.EDITOR && org === null)
    throw new ConfigError(`An EDITOR token needs --organisation <id>: the organisation whose subtree it may change. Usage: ${USAGE}`);
  if (!/^\d+[smhdw]?$/.test(String(values.expires))) throw new ConfigError('--expires must be a duration such as 30m, 12h or 7d.');
  const config = loadConfig();
  if (config.dataDir.startsWith('memory://') && !config.auth.jwtSecret) {
    throw new ConfigError('DATA_DIR=memory:// keeps its secret in the server process: use the token it printed at start, or set AUTH_JWT_SECRET for both.');
  }
  const signing = signingSecret(config);
  if (!signing) throw new ConfigError('AUTH_JWKS_URL is set: tokens come from your identity provider, not from this command.');
  const expires = /^\d+$/.test(String(values.expires)) ? `${values.expires}s` : String(values.expires);
  const token = await signToken(signing.secret, config.auth, { sub: values.sub ?? `dev-${role.toLowerCase()}`, role, org }, expires);
  console.log(`A ${role} token${org ? ` acting for organisation ${org}` : ''}, valid ${expires}, signed with ${signing.file ?? 'AUTH_JWT_SECRET'}.`);
  console.log('HTTP header: Authorization: Bearer <token>; graphql-ws: connectionParams { "authorization": "Bearer <token>" }');
  console.log(token);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? `token: ${error.message}` : error);
  process.exit(1);
});
