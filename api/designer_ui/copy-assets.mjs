// Copy bpmn-js's distributed files into static/vendor/, which Flask serves and git ignores.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'node_modules', 'bpmn-js', 'dist');
const vendor = join(here, 'static', 'vendor');

if (!existsSync(dist)) {
  console.error(`${dist} is missing: run \`npm ci\` in ${here} first (or \`make assets\`).`);
  process.exit(1);
}

// Start from an empty folder so files of an older bpmn-js never linger.
rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, 'bpmn-js'), { recursive: true });
cpSync(join(dist, 'bpmn-modeler.production.min.js'),
  join(vendor, 'bpmn-js', 'bpmn-modeler.production.min.js'));
cpSync(join(dist, 'assets'), join(vendor, 'bpmn-js', 'assets'), { recursive: true });
cpSync(join(here, 'node_modules', 'bpmn-js', 'LICENSE'), join(vendor, 'bpmn-js', 'LICENSE'));
console.log(`bpmn-js assets copied to ${vendor}`);
