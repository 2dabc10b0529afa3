import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PassLookupThrottle } from './lookup-guard.ts';
import { redemptionApi } from './redemption.api.ts';
import { redemptionPages } from './redemption.pages.ts';

const require = createRequire(import.meta.url);
// Neither package exports its package.json: locate their dist folders through entries they do export.
const BARCODE_DETECTOR_ES = join(dirname(require.resolve('barcode-detector/ponyfill')), '..', 'es');
const ZXING_READER_DIR = dirname(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));

/**
 * The QR decoder of the scan page, served by us from node_modules: the `barcode-detector` ponyfill
 * (ES module, zxing glue bundled in) and the zxing `.wasm` it would otherwise fetch from a CDN.
 * The wasm version is pinned by barcode-detector's own dependency, so the glue and binary match.
 */
const scannerAssets: FastifyPluginAsync = async (app) => {
  // Static routes carry no access config of their own: these files are public, like any script.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: 'public' };
  });
  await app.register(fastifyStatic, { root: BARCODE_DETECTOR_ES, prefix: '/vendor/barcode-detector/', decorateReply: false, maxAge: '7d' });
  await app.register(fastifyStatic, { root: ZXING_READER_DIR, prefix: '/vendor/zxing-wasm/', decorateReply: false, maxAge: '7d' });
};

/** Redemption: the JSON API, the scan and month pages, and the scanner's assets, sharing one lookup throttle. */
export const redemptionModule: FastifyPluginAsync = async (app) => {
  const throttle = new PassLookupThrottle(app.clock);
  await app.register(redemptionApi, { prefix: '/api/v1', throttle });
  await app.register(redemptionPages, { throttle });
  await app.register(scannerAssets);
};
