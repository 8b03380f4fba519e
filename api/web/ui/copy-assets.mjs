// Copy Chart.js's and bpmn-js's distributed files into ../static/vendor/, which Flask serves
// and git ignores: the supervisor's charts, and the procedure diagram their bottlenecks are
// drawn on (the navigated viewer: read-only, with zoom and scroll).
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const vendor = join(here, '..', 'static', 'vendor');

for (const name of ['chart.js', 'bpmn-js']) {
  if (!existsSync(join(modules, name, 'dist'))) {
    console.error(`${name} is missing: run \`npm ci\` in ${here} first (or \`make assets\`).`);
    process.exit(1);
  }
}

// Start from an empty folder so files of an older release never linger.
rmSync(vendor, { recursive: true, force: true });
const copy = (name, from, to) => {
  mkdirSync(dirname(join(vendor, name, to)), { recursive: true });
  cpSync(join(modules, name, from), join(vendor, name, to));
};
copy('chart.js', 'dist/chart.umd.min.js', 'chart.umd.min.js');
copy('chart.js', 'LICENSE.md', 'LICENSE.md');
copy('bpmn-js', 'dist/bpmn-navigated-viewer.production.min.js', 'bpmn-navigated-viewer.production.min.js');
copy('bpmn-js', 'dist/assets/diagram-js.css', 'assets/diagram-js.css');
copy('bpmn-js', 'dist/assets/bpmn-js.css', 'assets/bpmn-js.css');
copy('bpmn-js', 'LICENSE', 'LICENSE');
console.log(`Chart.js and bpmn-js's viewer copied to ${vendor}`);
