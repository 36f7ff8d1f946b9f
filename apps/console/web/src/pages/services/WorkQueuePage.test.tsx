import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import dayjs from 'dayjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { dueText } from './labels';
import { signIn, staffApi } from './testRoles';
import { TICKET } from './ticketFixtures';
import { Phone } from './Phone';
import WorkQueuePage from './WorkQueuePage';
import { byDue } from './workQueue';

configure({ asyncUtilTimeout: 10000 });

const ASSIGNED = { ...TICKET, status: 'ASSIGNED', respondOverdue: false, assignee: { id: '5', name: '李师傅' }, staffActions: ['START', 'INSPECT'] };
const REPAIR = {
  ...TICKET,
  id: '32',
  no: 'T20261207-000032',
  kind: 'REPAIR',
  category: { id: '1', name: '暖气漏水' },
  status: 'ON_SITE',
  reportedTemp: null,
  respondOverdue: false,
  resolveDueAt: '2026-12-07T12:00:00+08:00',
  staffActions: ['RESOLVE'],
};

describe('WorkQueuePage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('orders by the deadline that matters now and words it', () => {
    expect(byDue([ASSIGNED, REPAIR]).map((t) => t.no)).toEqual([REPAIR.no, ASSIGNED.no]);
    const now = dayjs('2026-12-07T11:00:00+08:00');
    const t = (zh: string) => zh;
    expect(dueText('2026-12-07T12:00:00+08:00', now, t)).toEqual({ text: '剩 60 分钟'.replace('60 分钟', '1 小时'), late: false });
    expect(dueText('2026-12-07T10:30:00+08:00', now, t)).toEqual({ text: '超时 30 分钟', late: true });
    expect(dueText('2026-12-10T11:00:00+08:00', now, t).text).toBe('剩 3 天');
  });

  it('offers a full number as a tel: link and shows a masked one as text', () => {
    renderWithProviders(
      <>
        <Phone phone="13800138000" testId="full" />
        <Phone phone="138****8000" testId="masked" />
      </>,
    );
    expect(screen.getByTestId('full').getAttribute('href')).toBe('tel:13800138000');
    expect(screen.getByTestId('masked').getAttribute('href')).toBeNull();
  });

  it('a technician records a temperature inspection room by room from the card', async () => {
    const calls = fakeGraphQL((call: GraphQLCall) => {
      if (call.operation === 'WorkQueuePage') return { data: { myWorkQueue: { totalCount: 2, items: [ASSIGNED, REPAIR] } } };
      if (call.operation === 'TicketRecordInspection')
        return { data: { recordInspection: { inspection: { id: '9', houseTemp: '16.5', compliant: false }, errors: [] } } };
      return { data: {} };
    });
    renderWithProviders(<WorkQueuePage />, { api: staffApi('TECHNICIAN') });
    const cards = await screen.findAllByTestId(/^work-card-T/);
    expect(cards.map((c) => c.dataset.testid)).toEqual([`work-card-${REPAIR.no}`, `work-card-${ASSIGNED.no}`]);
    const card = screen.getByTestId(`work-card-${ASSIGNED.no}`);
    expect(within(card).getByTestId('ticket-action-start')).toBeTruthy();
    expect(within(card).queryByTestId('ticket-action-note')).toBeTruthy(); // technicians may note
    expect(within(screen.getByTestId(`work-card-${REPAIR.no}`)).getByTestId('ticket-action-resolve')).toBeTruthy();
    await userEvent.setup({ delay: null }).click(within(card).getByTestId('ticket-action-inspect'));
    const form = await screen.findByTestId('inspection-form');
    fireEvent.change(within(form).getByTestId('inspection-room-name-0'), { target: { value: '主卧' } });
    fireEvent.change(within(form).getByTestId('inspection-room-area-0'), { target: { value: '15.2' } });
    fireEvent.change(within(form).getByTestId('inspection-room-readings-0'), { target: { value: '16.4 16.6' } });
    expect((await within(form).findByTestId('inspection-room-temp-0')).textContent).toBe('16.5℃');
    fireEvent.change(within(form).getByTestId('inspection-device'), { target: { value: 'TH-01' } });
    fireEvent.change(within(form).getByTestId('inspection-signature'), { target: { value: '张三' } });
    fireEvent.click(within(form).getByTestId('inspection-submit'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'TicketRecordInspection')).toBe(true));
    const input = calls.find((c) => c.operation === 'TicketRecordInspection')?.variables.input as Record<string, unknown>;
    expect(input).toMatchObject({
      ticketId: '31',
      rooms: [{ name: '主卧', area: '15.2', readings: ['16.4', '16.6'] }],
      cause: 'UTILITY',
      deviceNo: 'TH-01',
      residentSignature: '张三',
      photoIds: [],
    });
    expect(await screen.findByText('已记录：室温 16.5℃，不达标')).toBeTruthy();
  });
});
