import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { capabilitiesOf, DEFAULT_GEMINI_MODELS, type ModelCapabilities } from './gemini-models.js';
import { type ImageProvider, type ImageRequest, type InputImage, outputSize, type ProvidedImage } from './image-provider.js';

/**
 * Draws a deterministic picture for a prompt without any network: a seeded landscape
 * (sky, moon, ridges, stars) with the prompt as its caption. An edit draws over its source
 * picture instead; references appear as a strip of thumbnails in the top corner. Same
 * request, same bytes, so a fresh clone works offline and tests can compare results.
 */
export class LocalImageProvider implements ImageProvider {
  readonly source = 'local' as const;
  readonly model = null;

  /** What the default Gemini model takes, so a request that works offline works with a key. */
  capabilities(): ModelCapabilities {
    return capabilitiesOf(DEFAULT_GEMINI_MODELS[0]);
  }

  async generate(request: ImageRequest): Promise<ProvidedImage> {
    const { width, height } = outputSize(request.aspectRatio, request.imageSize);
    const inputs = request.inputs ?? [];
    const source = inputs.find((input) => input.role === 'source');
    const references = inputs.filter((input) => input.role === 'reference');
    const picture = source
      ? sharp(source.data).resize(width, height, { fit: 'cover' })
      : sharp(Buffer.from(composeScene(request.prompt, width, height)));
    const layers = [
      // At the top: the source keeps its own caption at the bottom.
      ...(source ? [{ input: Buffer.from(svgOf(width, height, captionMarkup(request.prompt, width, height, 'top'))), left: 0, top: 0 }] : []),
      ...(await referenceTiles(references, width, height)),
    ];
    const data = await picture.composite(layers).png({ compressionLevel: 6 }).toBuffer();
    return { data, mimeType: 'image/png', source: this.source, model: this.model };
  }
}

/** Each reference as a framed square thumbnail, in a row (wrapping) from the top-left corner. */
async function referenceTiles(references: InputImage[], width: number, height: number) {
  const side = Math.round(Math.min(width, height) / 6);
  const gap = Math.max(4, Math.round(side / 12));
  const perRow = Math.max(1, Math.floor((width - gap) / (side + gap)));
  return Promise.all(
    references.map(async (reference, index) => ({
      input: await sharp(reference.data)
        .resize(side - 2 * gap, side - 2 * gap, { fit: 'cover' })
        .extend({ top: gap, bottom: gap, left: gap, right: gap, background: '#f5e6c8' })
        .png()
        .toBuffer(),
      left: gap + (index % perRow) * (side + gap),
      top: gap + Math.floor(index / perRow) * (side + gap),
    })),
  );
}

function svgOf(width: number, height: number, markup: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${markup}</svg>`;
}

/** A tiny seeded PRNG (mulberry32) fed from the prompt's hash. */
function seededRandom(seedText: string): () => number {
  let seed = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function composeScene(prompt: string, width: number, height: number): string {
  const random = seededRandom(`${prompt}|${width}x${height}`);
  const hue = Math.floor(random() * 360);
  const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(h) % 360},${s}%,${l}%)`;

  const stars = Array.from({ length: 60 }, () => {
    const [x, y, r] = [random() * width, random() * height * 0.5, 0.6 + random() * 1.8];
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" fill="#fff" opacity="${(0.3 + random() * 0.7).toFixed(2)}"/>`;
  }).join('');

  const ridges = [0, 1, 2]
    .map((layer) => {
      const base = height * (0.55 + layer * 0.12);
      const points: string[] = [`0,${height}`];
      for (let x = 0; x <= width; x += width / 12) {
        points.push(`${x.toFixed(0)},${(base - random() * height * 0.18).toFixed(0)}`);
      }
      points.push(`${width},${height}`);
      return `<polygon points="${points.join(' ')}" fill="${hsl(hue + 180 + layer * 15, 35, 22 - layer * 6)}"/>`;
    })
    .join('');

  const moon = { x: width * (0.15 + random() * 0.7), y: height * (0.12 + random() * 0.2), r: Math.min(width, height) * 0.07 };
  return svgOf(
    width,
    height,
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="${hsl(hue, 55, 12)}"/><stop offset="1" stop-color="${hsl(hue + 40, 60, 45)}"/>
</linearGradient></defs>
<rect width="100%" height="100%" fill="url(#sky)"/>${stars}
<circle cx="${moon.x.toFixed(0)}" cy="${moon.y.toFixed(0)}" r="${moon.r.toFixed(0)}" fill="${hsl(hue + 60, 80, 88)}"/>
${ridges}
${captionMarkup(prompt, width, height)}`,
  );
}

/** The prompt on a dark band along the bottom (or the top), and the "local preview" mark. */
function captionMarkup(prompt: string, width: number, height: number, edge: 'top' | 'bottom' = 'bottom'): string {
  const fontSize = Math.round(Math.min(width, height) / 26);
  const lines = wrapCaption(prompt, Math.floor((width * 0.9) / (fontSize * 0.55)), 4);
  const bandHeight = (lines.length + 1) * fontSize * 1.3;
  const captionTop = edge === 'bottom' ? height - bandHeight : fontSize * 2.2;
  const caption = lines
    .map((line, index) => `<tspan x="${width / 2}" dy="${index === 0 ? 0 : fontSize * 1.3}">${escapeXml(line)}</tspan>`)
    .join('');
  const bandTop = captionTop - fontSize * 1.2;
  const band = edge === 'bottom' ? height - bandTop : bandHeight;
  return `<rect x="0" y="${bandTop.toFixed(0)}" width="${width}" height="${band.toFixed(0)}" fill="#000" opacity="0.55"/>
<text x="${width / 2}" y="${captionTop.toFixed(0)}" font-family="DejaVu Serif, serif" font-size="${fontSize}" fill="#f5e6c8" text-anchor="middle">${caption}</text>
<text x="${width - 12}" y="${fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${Math.round(fontSize * 0.6)}" fill="#fff" opacity="0.7" text-anchor="end">local preview</text>`;
}

function wrapCaption(text: string, maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && (current + ' ' + word).length > maxChars) {
      lines.push(current);
      current = '';
    }
    current = current ? `${current} ${word}` : word.slice(0, maxChars);
  }
  if (current) lines.push(current);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = `${lines[maxLines - 1].slice(0, maxChars - 1)}…`;
  }
  return lines;
}

function escapeXml(text: string): string {
  // Characters XML cannot hold at all are left out; markup characters become references.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
