import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { HouseSearch, preferredIndex, type FoundHouse } from './HouseSearch';

configure({ asyncUtilTimeout: 5000 });

const house = (id: string, accountNo: string): FoundHouse => ({
  id,
  accountNo,
  address: `幸福里小区1号楼${id}01`,
  ownerName: '王建国',
  ownerPhone: '13900000000',
  heatingStatus: 'NORMAL',
});
// houses(filter: {search: "H1000"}) answers in 户号 order, so a longer number can come before the one typed.
const HITS = [house('1', 'H10001'), house('10', 'H100010'), house('2', 'H1000')];

const API = {
  login: vi.fn(),
  me: async () => ({ id: '3', username: 'li', displayName: '李丽', role: 'COLLECTOR' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

describe('preferredIndex', () => {
  it('prefers the exact 户号 (any case, spaces around), else the first hit', () => {
    expect(preferredIndex(HITS, 'H1000')).toBe(2);
    expect(preferredIndex(HITS, ' h100010 ')).toBe(1);
    expect(preferredIndex(HITS, '王建国')).toBe(0);
  });
});

describe('HouseSearch', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('collector-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('selects the typed 户号 on Enter, even when Enter comes before the answer', async () => {
    const calls = fakeGraphQL((call) =>
      call.operation === 'CounterHouses' ? { data: { houses: { totalCount: 3, items: HITS } } } : { data: {} },
    );
    const onSelect = vi.fn();
    renderWithProviders(<HouseSearch onSelect={onSelect} />, { api: API });
    const box = screen.getByTestId('counter-search');
    fireEvent.change(box, { target: { value: 'H1000' } });
    fireEvent.keyDown(box, { key: 'Enter' }); // before the search has even been sent
    await waitFor(() => expect(onSelect).toHaveBeenCalledWith(HITS[2]));
    expect(calls.filter((c) => c.operation === 'CounterHouses').map((c) => c.variables)).toEqual([{ search: 'H1000' }]);
    // The box is cleared by the same handler that selects: its re-render may land after onSelect is seen.
    await waitFor(() => expect((box as HTMLInputElement).value).toBe(''));
  });

  it('moves with the arrow keys and says when nothing matches', async () => {
    fakeGraphQL((call) =>
      call.operation === 'CounterHouses'
        ? { data: { houses: call.variables.search === '王建国' ? { totalCount: 3, items: HITS } : { totalCount: 0, items: [] } } }
        : { data: {} },
    );
    const onSelect = vi.fn();
    renderWithProviders(<HouseSearch onSelect={onSelect} />, { api: API });
    const box = screen.getByTestId('counter-search');
    fireEvent.change(box, { target: { value: '王建国' } });
    await screen.findByTestId('counter-search-result-H100010');
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSelect).toHaveBeenCalledWith(HITS[1]);

    fireEvent.change(box, { target: { value: '李四' } });
    await screen.findByText('没有找到房屋');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSelect).toHaveBeenCalledTimes(1);
  });
});
