import { defaultSubjects, developmentToken, type Role, roles } from '@msd/service-kit';

// `npm run token -- <role> [subject]`: a development token, alone on the last line of stdout, so
// `TOKEN=$(npm run -s token -- customer | tail -n1)` works in scripts.
const [role, subject] = process.argv.slice(2);
if (!role || !(roles as readonly string[]).includes(role)) {
  console.error(`usage: npm run token -- <${roles.join('|')}> [subject]`);
  process.exit(2);
}
const who = subject ?? defaultSubjects[role as Role];
console.log(`# ${role} "${who}", valid 12 h; send it as  Authorization: Bearer <token>`);
console.log(await developmentToken(role as Role, who));
