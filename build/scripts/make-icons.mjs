// Renders build/icon.svg into every icon the installers need: PNGs from 16 to 1024 px in
// build/icons/ (Linux uses the folder, macOS builds its .icns from the 1024 px one) and a
// multi-size icon.ico for Windows. One source, so the sizes never drift apart.
import { Resvg } from '@resvg/resvg-js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pngToIco from 'png-to-ico';

const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An optional directory argument (the tests use a temp dir); build/icons by default.
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(buildDir, 'icons');
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const svg = readFileSync(path.join(buildDir, 'icon.svg'));
mkdirSync(outDir, { recursive: true });
const files = {};
for (const size of SIZES) {
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();
  const file = path.join(outDir, `${size}x${size}.png`);
  writeFileSync(file, png);
  files[size] = file;
}
writeFileSync(path.join(outDir, 'icon.ico'), await pngToIco([16, 24, 32, 48, 64, 128, 256].map((s) => files[s])));
writeFileSync(path.join(outDir, 'icon.png'), readFileSync(files[1024]));
console.log(`icons: ${SIZES.length} PNGs, icon.png and icon.ico in ${path.relative(process.cwd(), outDir) || outDir}`);
