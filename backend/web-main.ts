/** `npm run web`: always browser mode. */

import { runWebMode } from './web-mode';

runWebMode(process.argv.slice(2)).catch((error: Error) => {
  console.error(`MQTT Desk: ${error.message}`);
  process.exit(1);
});
