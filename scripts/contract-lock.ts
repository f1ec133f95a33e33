// `npm run contract:lock [-- DIR]`: pins the client contract (default ../shared/contract) in
// schema/operations/contract.json after the platform changed it; register the changed operations
// in schema/operations/ in the same change (schema/operations/registry.test.ts checks both).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONTRACT_DIR, CONTRACT_LOCK_PATH, contractPresent, lockOf } from '../lib/src/contract.ts';
import { displayPath } from '../lib/src/registry.ts';

const dir = process.argv[2] ? resolve(process.argv[2]) : CONTRACT_DIR;
if (!contractPresent(dir)) {
  console.error(`contract:lock: no operations.graphql and internal.graphql in ${dir}`);
  process.exit(2);
}
writeFileSync(CONTRACT_LOCK_PATH, JSON.stringify(lockOf(dir), null, 2) + '\n');
console.log(`pinned ${displayPath(dir)} in ${displayPath(CONTRACT_LOCK_PATH)}`);
