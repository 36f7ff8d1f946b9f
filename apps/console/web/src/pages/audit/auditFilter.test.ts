import { describe, expect, it } from 'vitest';
import { detailPairs } from '../../lib/audit';
import { auditFilter } from './AuditPage';

describe('auditFilter', () => {
  it('maps the search form to AuditLogFilter', () => {
    expect(auditFilter({ current: 1, pageSize: 20 })).toEqual({});
    expect(auditFilter({ actor: '12', action: 'staff.create', targetType: ' accounts.user ', targetId: '7', createdAt: ['2025-11-01', '2025-11-30'] })).toEqual({
      actorKind: 'STAFF',
      actorId: '12',
      action: 'staff.create',
      targetType: 'accounts.user',
      targetId: '7',
      dateFrom: '2025-11-01',
      dateTo: '2025-11-30',
    });
  });
  it('filters residents or the system by kind, not by id', () => {
    expect(auditFilter({ actor: 'RESIDENT' })).toEqual({ actorKind: 'RESIDENT' });
    expect(auditFilter({ actor: 'SYSTEM', action: '' })).toEqual({ actorKind: 'SYSTEM' });
  });
});

describe('detailPairs', () => {
  it('reads a JSON detail as key/value lines', () => {
    expect(detailPairs('{"role": "collector", "fields": ["display_name"], "ok": true}')).toEqual([
      ['role', 'collector'],
      ['fields', '["display_name"]'],
      ['ok', 'true'],
    ]);
    expect(detailPairs('{"amount_fen": 225144, "total_fen": "x", "bills": [{"amount_fen": 5}]}')).toEqual([
      ['amount_fen', '¥2,251.44'],
      ['total_fen', 'x'],
      ['bills', '[{"amount_fen":5}]'],
    ]);
    expect(detailPairs('{}')).toEqual([]);
    expect(detailPairs('not json')).toEqual([['', 'not json']]);
  });
});
