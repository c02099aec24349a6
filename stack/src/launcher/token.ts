import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultSubjects, developmentKeyFile, developmentToken, type Role, roles } from '@msd/service-kit';

// `npm run token -- <role> [subject] [--key <file>]`: a development token, alone on the last line of
// stdout, so `TOKEN=$(npm run -s token -- customer | tail -n1)` works in scripts. `--key` signs with
// another key than the local one: deploy/overlays/local/token-keys/signing-key.json for the compose and local
// Kubernetes stacks, whose gateways hold its public part.
const usage = `usage: npm run token -- <${roles.join('|')}> [subject] [--key <private JWK file>]`;
const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { key: { type: 'string' } },
      args: process.argv.slice(2),
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
const [role, subject] = parsed.positionals;
const file = parsed.values.key;
if (!role || !(roles as readonly string[]).includes(role)) {
  console.error(usage);
  process.exit(2);
}
// The local key is made on first use; a named one must exist (a typo would mint an unknown key).
if (file && !existsSync(file)) {
  console.error(`--key ${file}: no such file`);
  process.exit(2);
}
const who = subject ?? defaultSubjects[role as Role];
console.log(`# ${role} "${who}", valid 12 h; send it as  Authorization: Bearer <token>`);
console.log(await developmentToken(role as Role, who, { file: file ?? developmentKeyFile(process.env) }));
