import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The official EN 16931 validation of a CII document (../shared/data/en16931): the D16B schema
 * with xmllint, and the CEN business rules (Schematron compiled for SaxonJS). Test tooling only.
 */
const ARTEFACTS = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'en16931');
const XSD = join(ARTEFACTS, 'cii-d16b', 'uncefact', 'data', 'standard', 'CrossIndustryInvoice_100pD16B.xsd');
const RULES = join(ARTEFACTS, 'EN16931-CII-validation.sef.json');

interface SaxonJs {
  transform(options: Record<string, unknown>, mode: 'async'): Promise<{ principalResult: string }>;
}
const SaxonJS = createRequire(import.meta.url)('saxon-js') as SaxonJs;

/** xmllint's complaints, or null when the document is valid against the CII D16B schema. */
export function xsdErrors(xml: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'pn-cii-'));
  const file = join(dir, 'factur-x.xml');
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
  }
}

/** The ids and texts of the fatal business rules the document breaks (empty when it conforms). */
export async function failedBusinessRules(xml: string): Promise<string[]> {
  const result = await SaxonJS.transform({ stylesheetFileName: RULES, sourceText: xml, destination: 'serialized' }, 'async');
  const failed: string[] = [];
  for (const match of result.principalResult.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
    const attributes = match[1]!;
    if (!/flag="fatal"/.test(attributes)) continue;
    const id = /\bid="([^"]+)"/.exec(attributes)?.[1] ?? '?';
    const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(match[2]!)?.[1]?.trim() ?? '';
    failed.push(`${id}: ${text}`);
  }
  return failed;
}
