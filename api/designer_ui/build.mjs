// Bundle the designer page (src/) with bpmn-js and its properties panel into static/build/,
// which Flask serves and git ignores. api.js stays a file of its own (static/api.js): the
// editors under static/editors/ import the same module, so ApiError is one class for all.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'static', 'build');

const sharedApi = {
  name: 'shared-api',
  setup(bundler) {
    bundler.onResolve({ filter: /\/static\/api\.js$/ }, () => ({ path: '../api.js', external: true }));
  },
};

// Start from an empty folder so files of an older build never linger.
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src', 'designer.js')],
  outdir: out,
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2020'],
  legalComments: 'linked',
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.eot': 'dataurl', '.svg': 'dataurl' },
  plugins: [sharedApi],
  logLevel: 'warning',
});
console.log(`designer bundle written to ${out}`);
