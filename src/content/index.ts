/**
 * The T1048.002 pack is data: rule YAML, watchlist CSVs, the bundled sample telemetry. This
 * module only says where it lives (the source tree, also when running from dist/).
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT } from '../paths.js';

export const PACK_DIR = path.join(ROOT, 'src/content/t1048.002');
export const PACK_RULES = path.join(PACK_DIR, 'rules');
export const PACK_WATCHLISTS = path.join(PACK_DIR, 'watchlists');
export const SAMPLE_DIR = path.join(PACK_DIR, 'sample');
export const PACK_HUNTING = path.join(PACK_DIR, 'hunting');
export const PACK_INVESTIGATION = path.join(PACK_DIR, 'investigation');
export const PACK_PLAYBOOKS = path.join(PACK_DIR, 'playbooks');

/** The bundled sample's capture time: `now` for a hunt over it. */
export function sampleCaptureTime(): string {
  const manifest = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'manifest.json'), 'utf8')) as { captureTime: string };
  return manifest.captureTime;
}
