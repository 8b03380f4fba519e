// Copy dmn-js's distributed files into static/vendor/, which the web app serves and git ignores.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'node_modules', 'dmn-js', 'dist');
const vendor = join(here, 'static', 'vendor');

if (!existsSync(dist)) {
  console.error(`${dist} is missing: run \`npm ci\` in ${here} first (or \`make assets\`).`);
  process.exit(1);
}

// Start from an empty folder so files of an older dmn-js never linger.
rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, 'dmn-js'), { recursive: true });
cpSync(join(dist, 'dmn-modeler.production.min.js'),
  join(vendor, 'dmn-js', 'dmn-modeler.production.min.js'));
cpSync(join(dist, 'assets'), join(vendor, 'dmn-js', 'assets'), { recursive: true });
cpSync(join(here, 'node_modules', 'dmn-js', 'LICENSE'), join(vendor, 'dmn-js', 'LICENSE'));
console.log(`dmn-js assets copied to ${vendor}`);
