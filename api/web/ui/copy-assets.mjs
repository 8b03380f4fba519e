// Copy Chart.js's distributed file into ../static/vendor/, which Flask serves and git ignores.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'node_modules', 'chart.js', 'dist');
const vendor = join(here, '..', 'static', 'vendor');

if (!existsSync(dist)) {
  console.error(`${dist} is missing: run \`npm ci\` in ${here} first (or \`make assets\`).`);
  process.exit(1);
}

// Start from an empty folder so files of an older Chart.js never linger.
rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, 'chart.js'), { recursive: true });
cpSync(join(dist, 'chart.umd.min.js'), join(vendor, 'chart.js', 'chart.umd.min.js'));
cpSync(join(here, 'node_modules', 'chart.js', 'LICENSE.md'), join(vendor, 'chart.js', 'LICENSE.md'));
console.log(`Chart.js copied to ${vendor}`);
