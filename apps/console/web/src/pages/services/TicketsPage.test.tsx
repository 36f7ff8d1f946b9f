import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { shownActions } from './TicketActions';
import { ticketFilter } from './tickets';
import TicketsPage from './TicketsPage';
import { TICKET } from './ticketFixtures';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 10000 });

function answer(ticket: Record<string, unknown>) {
  return fakeGraphQL((call: GraphQLCall) => {
    switch (call.operation) {
      case 'TicketsPageFilters':
        return { data: { ticketCategories: [{ id: '1', kind: 'REPAIR', name: '暖气不热', respondHours: 2, resolveHours: 24, active: true }], communities: { items: [{ id: '1', name: '幸福小区' }] } } };
      case 'TicketTechnicians':
        return { data: { technicians: [{ id: '7', name: '李师傅', role: 'technician', openCount: 3 }] } };
      case 'TicketsPageList':
        return { data: { tickets: { totalCount: 1, items: [ticket] } } };
      case 'TicketDetail':
        return { data: { ticket } };
      case 'TicketAssign':
        return { data: { assignTicket: { ticket: { id: ticket.id, status: 'ASSIGNED', assignee: { id: '7', name: '李师傅' } }, errors: [] } } };
      default:
        return { data: {} };
    }
  });
}

describe('TicketsPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('turns the search form into the API filter', () => {
    expect(ticketFilter({ status: 'ON_SITE', overdue: 'true', search: ' T2026 ', dateFrom: '2026-12-01', kind: '' })).toEqual({
      search: 'T2026',
      status: 'ON_SITE',
      kind: null,
      categoryId: null,
      assigneeId: null,
      communityId: null,
      overdue: true,
      dateFrom: '2026-12-01',
      dateTo: null,
    });
    expect(ticketFilter({ overdue: 'false' }).overdue).toBe(false);
  });

  it('shows only the actions the API allows and the role may call', () => {
    expect(shownActions(['ACCEPT', 'ASSIGN', 'START'], true, false)).toEqual(['ACCEPT', 'ASSIGN']);
    expect(shownActions(['START', 'INSPECT', 'RESOLVE'], false, true)).toEqual(['START', 'INSPECT', 'RESOLVE']);
    expect(shownActions(['ACCEPT'], false, false)).toEqual([]);
  });

  it('an admin opens an overdue ticket: photos, timeline, and assigns it to a technician', async () => {
    const calls = answer(TICKET);
    renderWithProviders(<TicketsPage />, { api: staffApi('TENANT_ADMIN') });
    expect((await screen.findByTestId('ticket-row-status-31')).textContent).toBe('已提交');
    expect(screen.getAllByTestId('sla-respond-overdue').length).toBeGreaterThan(0);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByTestId('ticket-T20261207-000031'));
    const drawer = await screen.findByTestId('ticket-drawer');
    expect((await within(drawer).findByTestId('ticket-reported-temp')).textContent).toBe('15.0℃');
    expect(within(drawer).getByTestId('ticket-photos').querySelector('img')?.getAttribute('src')).toBe(TICKET.photos[0].url);
    expect(within(drawer).getByText('响应超时，已上报管理员')).toBeTruthy();
    expect(within(drawer).getByTestId('ticket-action-accept')).toBeTruthy();
    expect(within(drawer).queryByTestId('ticket-action-start')).toBeNull();
    await user.click(within(drawer).getByTestId('ticket-action-assign'));
    const picker = await screen.findByTestId('ticket-assignee');
    await user.click(within(picker).getByRole('combobox'));
    await user.click(await screen.findByText('在办 3'));
    fireEvent.click(screen.getByTestId('ticket-dialog-ok'));
    await waitFor(() => expect(calls.find((c) => c.operation === 'TicketAssign')?.variables).toEqual({ id: '31', assigneeId: '7' }));
  });

  it('a collector reads the ticket, adds notes, files tickets, but does not dispatch', async () => {
    answer(TICKET);
    renderWithProviders(<TicketsPage />, { api: staffApi('COLLECTOR') });
    expect(await screen.findByTestId('ticket-create')).toBeTruthy();
    await userEvent.setup({ delay: null }).click(await screen.findByTestId('ticket-T20261207-000031'));
    const drawer = await screen.findByTestId('ticket-drawer');
    await within(drawer).findByTestId('ticket-action-note');
    expect(within(drawer).queryByTestId('ticket-action-accept')).toBeNull();
    expect(within(drawer).queryByTestId('ticket-action-assign')).toBeNull();
  });
});
