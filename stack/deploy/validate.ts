// npm run deploy:validate: builds deploy/base and deploy/overlays/local, checks every object
// against the Kubernetes schemas, offline. Exits 1 on the first kustomization with a problem.
import { validateManifests } from './validateManifests.ts';

let failed = false;
for (const kustomization of ['deploy/base', 'deploy/overlays/local']) {
  const report = await validateManifests(kustomization);
  for (const problem of report.problems) console.error(`${kustomization}: ${problem}`);
  console.log(`${kustomization}: ${report.objects.length} objects, ${report.problems.length} problems`);
  failed ||= report.problems.length > 0;
}
process.exit(failed ? 1 : 0);
