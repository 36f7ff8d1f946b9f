// A room-temperature rule as the admin edits it: bands of degrees below standard → refund %, checked as the
// API checks them (each upper edge above the previous one, only the last open-ended; ratios 0–100 % and never
// decreasing), a city template turned into a new rule's values, and the form's values as QualityRuleInput.
import type { QualityBandEdge, QualityFeeBase, QualityRuleInput, ServiceSettingsRulesQuery } from '../../gql/tenant/graphql';

export type Rule = ServiceSettingsRulesQuery['qualityRules'][number];

export interface BandValues {
  to?: string | null;
  pct?: string | null;
}

export interface RuleValues {
  name: string;
  city: string;
  effectiveFrom?: string; // YYYY-MM-DD
  effectiveTo?: string | null;
  standardTemp: string;
  bands: BandValues[];
  bandEdge: QualityBandEdge;
  feeBase: QualityFeeBase;
  responseHours: number;
  graceHours: number;
  noMeasureFrom?: string | null; // HH:mm
  noMeasureTo?: string | null;
  minPoints: number;
  heightM: string;
  procedure?: string;
  refundDeadline?: string;
  source?: string;
}

const DECIMAL = /^\d{1,3}(?:\.\d{1,2})?$/;

/** Hundredths of a decimal string ("2.5" → 250), null when it is not one. */
function hundredths(text: string | null | undefined): number | null {
  const v = String(text ?? '').trim();
  if (!DECIMAL.test(v)) return null;
  const [whole, frac = ''] = v.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export interface BandProblem {
  index: number;
  field: 'to' | 'pct';
  message: readonly [zh: string, en: string];
}

export function bandProblems(bands: readonly BandValues[]): BandProblem[] {
  const problems: BandProblem[] = [];
  let lastTo = 0;
  let lastPct = -1;
  bands.forEach((band, index) => {
    const last = index === bands.length - 1;
    const blank = band.to === null || band.to === undefined || String(band.to).trim() === '';
    if (blank && !last) problems.push({ index, field: 'to', message: ['只有最后一档可不设上限', 'Only the last band may be open-ended'] });
    if (!blank) {
      const to = hundredths(band.to);
      if (to === null || to <= lastTo) problems.push({ index, field: 'to', message: ['上限须大于上一档', 'Must be above the previous band'] });
      else lastTo = to;
    }
    const pct = hundredths(band.pct);
    if (pct === null || pct > 10000) problems.push({ index, field: 'pct', message: ['比例须在 0～100 之间', 'Between 0 and 100'] });
    else if (pct < lastPct) problems.push({ index, field: 'pct', message: ['比例不能低于上一档', 'May not be below the previous band'] });
    else lastPct = pct;
  });
  return problems;
}

/** "10:00:00" → "10:00" for the form; back with ":00". */
const hm = (time: string | null | undefined) => (time ? time.slice(0, 5) : null);

/** A rule (or a city template: no id, no dates) as the form's values. */
export function ruleValues(rule: Rule): RuleValues {
  return {
    name: rule.name,
    city: rule.city,
    effectiveFrom: rule.effectiveFrom ?? undefined,
    effectiveTo: rule.effectiveTo ?? null,
    standardTemp: rule.standardTemp,
    bands: rule.bands.map((b) => ({ to: b.to ?? null, pct: b.pct })),
    bandEdge: rule.bandEdge,
    feeBase: rule.feeBase,
    responseHours: rule.responseHours,
    graceHours: rule.graceHours,
    noMeasureFrom: hm(rule.noMeasureFrom as string | null), // Time arrives as "HH:MM:SS"
    noMeasureTo: hm(rule.noMeasureTo as string | null),
    minPoints: rule.minPoints,
    heightM: rule.heightM,
    procedure: rule.procedure,
    refundDeadline: rule.refundDeadline,
    source: rule.source,
  };
}

export function ruleInput(v: RuleValues): QualityRuleInput {
  const blank = (s?: string | null) => (s && String(s).trim() ? String(s).trim() : null);
  return {
    name: v.name.trim(),
    city: v.city.trim(),
    effectiveFrom: v.effectiveFrom ?? '',
    effectiveTo: blank(v.effectiveTo),
    standardTemp: String(v.standardTemp).trim(),
    bands: v.bands.map((b) => ({ to: blank(b.to), pct: String(b.pct ?? '').trim() })),
    bandEdge: v.bandEdge,
    feeBase: v.feeBase,
    responseHours: Number(v.responseHours),
    graceHours: Number(v.graceHours),
    noMeasureFrom: v.noMeasureFrom ? `${v.noMeasureFrom}:00` : null,
    noMeasureTo: v.noMeasureTo ? `${v.noMeasureTo}:00` : null,
    minPoints: Number(v.minPoints),
    heightM: String(v.heightM).trim(),
    procedure: v.procedure ?? '',
    refundDeadline: v.refundDeadline ?? '',
    source: v.source ?? '',
  };
}

/** The API's field name ("effective_from", "bands.1.pct" or camelCase) as the form's path. */
export function formPath(field: string): (string | number)[] {
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())));
}

/** "(0, 2] 20%，(2, 4] 50%，> 4 100%" — how a rule's bands read in the table. */
export function bandsText(bands: readonly { to?: string | null; pct: string }[], edge: QualityBandEdge): string {
  let from = '0';
  return bands
    .map((b) => {
      const range = b.to ? (edge === 'UPPER' ? `(${from}, ${b.to}]` : `[${from}, ${b.to})`) : edge === 'UPPER' ? `> ${from}` : `≥ ${from}`;
      from = b.to ?? from;
      return `${range} ${b.pct}%`;
    })
    .join('，');
}
