import { join } from 'node:path';
import { startEmulators } from '../../test/integration/helpers/emulators';
import { runExactlyOnce } from '../exactly-once/run';
import { ROOT } from '../local/backbone';
import { rareTable } from './print';
import { runRarePaths, writeRareResults } from './run';

/**
 * `npx tsx bench/rare/only.ts`: section 6 of the bench alone (with run 1, whose Spine and Powertools
 * normal-path rows it shows), on fresh emulators. Writes `bench/results/rare-paths.json` and `.md`,
 * as the full `npm run bench` does, but not `report.json`.
 */
const emulators = await startEmulators();
try {
  const exactlyOnce = await runExactlyOnce(emulators.dynamoEndpoint);
  const result = await runRarePaths(
    { dynamodb: emulators.dynamoEndpoint, kinesis: emulators.kinesisEndpoint },
    exactlyOnce,
  );
  writeRareResults(join(ROOT, 'bench/results'), result);
  console.log(rareTable(result));
} finally {
  await emulators.stop();
}
