import { describe, expect, it } from 'vitest';
import { errorPath, formatTenths, houseTenths, inspectionInput, readingTenths, roomTenths, validArea } from './inspection';

describe('inspection arithmetic', () => {
  it('reads temperatures in tenths and refuses the rest', () => {
    expect(readingTenths('16.5')).toBe(165);
    expect(readingTenths(' 18 ')).toBe(180);
    expect(readingTenths('-3.2')).toBe(-32);
    expect(readingTenths('16.55')).toBeNull();
    expect(readingTenths('41')).toBeNull();
    expect(readingTenths('abc')).toBeNull();
    expect(readingTenths('')).toBeNull();
  });

  it('averages a room half up and takes the lowest room for the house', () => {
    expect(roomTenths(['16.4', '16.6'])).toBe(165);
    expect(roomTenths(['16.4', '16.5'])).toBe(165); // 16.45 → 16.5
    expect(roomTenths(['16.4', '16.4', '16.5'])).toBe(164); // 16.433…
    expect(roomTenths(['16.4', ''])).toBeNull();
    expect(houseTenths([{ name: 'a', area: '15', readings: ['18.0'] }, { name: 'b', area: '9', readings: ['16.4', '16.6'] }])).toBe(165);
    expect(formatTenths(165)).toBe('16.5');
    expect(formatTenths(-5)).toBe('-0.5');
  });

  it('checks areas', () => {
    expect(validArea('15.20')).toBe(true);
    expect(validArea('0')).toBe(false);
    expect(validArea('1.234')).toBe(false);
  });

  it('builds the API input without blank optional texts', () => {
    const input = inspectionInput(
      '7',
      { measuredAt: '2026-12-07T15:00:00+08:00', rooms: [{ name: ' 主卧 ', area: '15.2', readings: [' 16.4', '16.6'] }], cause: 'UTILITY', deviceNo: ' ', residentSignature: '张三' },
      ['p1'],
    );
    expect(input).toEqual({
      ticketId: '7',
      measuredAt: '2026-12-07T15:00:00+08:00',
      rooms: [{ name: '主卧', area: '15.2', readings: ['16.4', '16.6'] }],
      outdoorTemp: undefined,
      cause: 'UTILITY',
      deviceNo: undefined,
      residentSignature: '张三',
      note: undefined,
      photoIds: ['p1'],
    });
    expect(errorPath('rooms.1.readings')).toEqual(['rooms', 1, 'readings']);
  });
});
