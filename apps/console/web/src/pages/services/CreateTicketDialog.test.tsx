import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { CreateTicketDialog } from './CreateTicketDialog';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 10000 });

describe('CreateTicketDialog', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('files a temperature report for a caller found by house search; the temperature is required', async () => {
    const calls = fakeGraphQL((call: GraphQLCall) => {
      if (call.operation === 'TicketHouseSearch')
        return { data: { houses: { totalCount: 1, items: [{ id: '8', accountNo: 'A0008', address: '幸福小区 2-1-301', ownerName: '赵六', ownerPhone: '13900000000' }] } } };
      if (call.operation === 'TicketCreate') return { data: { createTicket: { ticket: { id: '40', no: 'T20261207-000040' }, errors: [] } } };
      return { data: {} };
    });
    const onCreated = vi.fn();
    renderWithProviders(<CreateTicketDialog open categories={[]} onClose={vi.fn()} onCreated={onCreated} />, { api: staffApi('COLLECTOR') });
    const user = userEvent.setup({ delay: null });
    const house = await screen.findByTestId('ticket-create-house');
    await user.type(within(house).getByRole('combobox'), 'A0008');
    await user.click(await screen.findByText('A0008 赵六 幸福小区 2-1-301'));
    expect((screen.getByTestId('ticket-create-contact') as HTMLInputElement).value).toBe('赵六'); // the owner, as a start
    await user.click(within(screen.getByTestId('ticket-create-kind')).getByRole('combobox'));
    await user.click(await screen.findByText('室温报告'));
    fireEvent.change(screen.getByTestId('ticket-create-description'), { target: { value: '家里只有15度' } });
    fireEvent.click(screen.getByTestId('ticket-create-ok'));
    expect(await screen.findByText('请填写室温')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'TicketCreate')).toBe(false);
    fireEvent.change(screen.getByTestId('ticket-create-temp').querySelector('input') ?? screen.getByTestId('ticket-create-temp'), { target: { value: '15' } });
    fireEvent.click(screen.getByTestId('ticket-create-ok'));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith('T20261207-000040'));
    expect(calls.find((c) => c.operation === 'TicketCreate')?.variables).toEqual({
      input: {
        houseId: '8',
        kind: 'TEMPERATURE',
        categoryId: null,
        description: '家里只有15度',
        contactName: '赵六',
        contactPhone: '13900000000',
        reportedTemp: '15',
        photoIds: [],
      },
    });
  });
});
