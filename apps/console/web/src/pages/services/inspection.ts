// A room-temperature inspection as the technician types it: per room a name, an area (m²) and one reading per
// measuring point. The room's temperature is the mean of its readings rounded to 0.1 ℃ (half up), the house's
// is the lowest room's — as the API computes it; shown while typing, the server's figures are final. Readings
// are decimal strings handled in tenths of a degree (no float arithmetic).
import type { InspectionCause, InspectionInput } from '../../gql/tenant/graphql';

export interface RoomDraft {
  name: string;
  area: string;
  readings: string[];
}

export interface InspectionDraft {
  measuredAt: string; // ISO date-time
  rooms: RoomDraft[];
  outdoorTemp?: string;
  cause: InspectionCause;
  deviceNo?: string;
  residentSignature?: string;
  note?: string;
}

/** "16.5" → 165 tenths; null for anything not a temperature of −10…40 ℃ with at most one decimal. */
export function readingTenths(text: string | null | undefined): number | null {
  const m = /^(-)?(\d{1,2})(?:\.(\d))?$/.exec(String(text ?? '').trim());
  if (!m) return null;
  const tenths = (Number(m[2]) * 10 + Number(m[3] ?? 0)) * (m[1] ? -1 : 1);
  return tenths < -100 || tenths > 400 ? null : tenths;
}

export function formatTenths(tenths: number): string {
  const sign = tenths < 0 ? '-' : '';
  const a = Math.abs(tenths);
  return `${sign}${Math.floor(a / 10)}.${a % 10}`;
}

/** The room's mean in tenths, rounded half away from zero; null while a reading is missing or wrong. */
export function roomTenths(readings: readonly string[]): number | null {
  const values = readings.map(readingTenths);
  if (!values.length || values.some((v) => v === null)) return null;
  const sum = (values as number[]).reduce((a, b) => a + b, 0);
  const n = values.length;
  const q = Math.floor((Math.abs(sum) * 2 + n) / (2 * n)); // |sum|/n rounded half up, in integers
  return sum < 0 ? -q : q;
}

/** The lowest room's temperature (tenths), or null until every room has valid readings. */
export function houseTenths(rooms: readonly RoomDraft[]): number | null {
  const temps = rooms.map((r) => roomTenths(r.readings));
  if (!temps.length || temps.some((v) => v === null)) return null;
  return Math.min(...(temps as number[]));
}

/** "15.20" / "15.2" / "15" → the area as typed when it is a positive number of m² with ≤ 2 decimals. */
export function validArea(text: string | null | undefined): boolean {
  const m = /^(\d{1,4})(?:\.(\d{1,2}))?$/.exec(String(text ?? '').trim());
  return !!m && Number(m[1] + '.' + (m[2] ?? '0')) > 0;
}

export const RESIDENT_CAUSES: ReadonlySet<InspectionCause> = new Set(['ALTERED_PIPES', 'COVERED_RADIATORS', 'DRAINED_WATER', 'OTHER_RESIDENT']);

/** The draft as the API's InspectionInput (blank optional texts left out; readings trimmed). */
export function inspectionInput(ticketId: string, draft: InspectionDraft, photoIds: readonly string[]): InspectionInput {
  const blank = (v?: string) => (v && v.trim() ? v.trim() : undefined);
  return {
    ticketId,
    measuredAt: draft.measuredAt,
    rooms: draft.rooms.map((r) => ({ name: r.name.trim(), area: r.area.trim(), readings: r.readings.map((x) => x.trim()) })),
    outdoorTemp: blank(draft.outdoorTemp),
    cause: draft.cause,
    deviceNo: blank(draft.deviceNo),
    residentSignature: blank(draft.residentSignature),
    note: blank(draft.note),
    photoIds: [...photoIds],
  };
}

/** A field error from the API ("rooms.1.readings", "rooms") as the form's path. */
export function errorPath(field: string): (string | number)[] {
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
