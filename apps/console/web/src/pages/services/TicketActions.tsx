// The buttons of one ticket: only what the API says the caller may do now (`staffActions`), and only for the
// roles access.ts gives the mutation (dispatch: accept / assign / reject / note; work: start / inspect /
// resolve; a note for the desk, dispatchers and technicians). Assign opens a technician picker with each one's open tickets; reject and resolve ask for a text.
import { App, Button, Drawer, Form, Input, Modal, Select, Space, Tag } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import { useT } from '../../i18n';
import { InspectionForm } from './InspectionForm';
import { STAFF_ACTION } from './ticketLabels';
import { AcceptTicketDoc, AssignTicketDoc, RejectTicketDoc, TechniciansDoc } from './ticketDispatch';
import { AddTicketNoteDoc } from './ticketNote';
import { ResolveTicketDoc, StartTicketDoc } from './ticketWork';

export interface ActionTicket {
  id: string;
  no: string;
  kind: string;
  staffActions: readonly string[];
  assignee?: { id: string } | null;
}

type Payload = { errors: readonly { message: string }[] } | null | undefined;

const DISPATCH = new Set(['ACCEPT', 'ASSIGN', 'REJECT', 'NOTE']);
const WORK = new Set(['START', 'INSPECT', 'RESOLVE']);

/** The actions to show: the API's list, kept to those the role may call, in the API's order. */
export function shownActions(staffActions: readonly string[], mayDispatch: boolean, mayWork: boolean): string[] {
  return staffActions.filter((a) => (DISPATCH.has(a) && mayDispatch) || (WORK.has(a) && mayWork));
}

export function TicketActions({ ticket, onChanged, block = false }: { ticket: ActionTicket; onChanged: () => void; block?: boolean }) {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'ASSIGN' | 'REJECT' | 'RESOLVE' | 'NOTE' | 'INSPECT' | null>(null);
  const [form] = Form.useForm<{ text?: string; assigneeId?: string }>();
  const mayDispatch = can('tickets.dispatch');
  const actions = shownActions(ticket.staffActions, mayDispatch, can('tickets.work'));

  const run = async (key: string, call: () => Promise<Payload>) => {
    setBusy(key);
    try {
      const res = await call();
      if (res?.errors.length) {
        message.error(res.errors.map((e) => e.message).join(' '));
        return false;
      }
      message.success(t('已完成', 'Done'));
      onChanged();
      return true;
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const technicians = useQuery({
    queryKey: ['TicketTechnicians'],
    enabled: dialog === 'ASSIGN',
    queryFn: async () => (await request(TechniciansDoc)).technicians,
  });

  const click = (action: string) => {
    if (action === 'ACCEPT') void run(action, async () => (await request(AcceptTicketDoc, { id: ticket.id })).acceptTicket);
    else if (action === 'START') void run(action, async () => (await request(StartTicketDoc, { id: ticket.id })).startTicket);
    else setDialog(action as typeof dialog);
  };

  const confirm = async () => {
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const values = valid;
    const text = (values.text ?? '').trim();
    const ok =
      dialog === 'ASSIGN'
        ? await run('ASSIGN', async () => (await request(AssignTicketDoc, { id: ticket.id, assigneeId: values.assigneeId as string })).assignTicket)
        : dialog === 'REJECT'
          ? await run('REJECT', async () => (await request(RejectTicketDoc, { id: ticket.id, reason: text })).rejectTicket)
          : dialog === 'RESOLVE'
            ? await run('RESOLVE', async () => (await request(ResolveTicketDoc, { id: ticket.id, resolution: text })).resolveTicket)
            : await run('NOTE', async () => (await request(AddTicketNoteDoc, { id: ticket.id, note: text })).addTicketNote);
    if (ok) setDialog(null);
  };

  const textLabel: Record<string, [string, string]> = {
    REJECT: ['不予受理的原因（住户可见）', 'Why it is rejected (the resident sees it)'],
    RESOLVE: ['处理结果（住户可见）', 'What was done (the resident sees it)'],
    NOTE: ['内部备注（住户不可见）', 'Internal note (not shown to the resident)'],
  };

  return (
    <>
      <Space wrap direction={block ? 'vertical' : 'horizontal'} style={block ? { width: '100%' } : undefined}>
        {actions.map((a) => (
          <Button
            key={a}
            block={block}
            type={a === 'REJECT' ? 'default' : 'primary'}
            danger={a === 'REJECT'}
            loading={busy === a}
            onClick={() => click(a)}
            data-testid={`ticket-action-${a.toLowerCase()}`}
          >
            {t(...(STAFF_ACTION[a] ?? [a, a]))}
          </Button>
        ))}
        {can('tickets.note') && (
          <Button block={block} onClick={() => click('NOTE')} data-testid="ticket-action-note">
            {t(...STAFF_ACTION.NOTE)}
          </Button>
        )}
      </Space>
      <Modal
        open={dialog !== null && dialog !== 'INSPECT'}
        title={`${t(...(STAFF_ACTION[dialog ?? ''] ?? ['', '']))} · ${ticket.no}`}
        onCancel={() => setDialog(null)}
        onOk={confirm}
        confirmLoading={busy !== null}
        okButtonProps={{ 'data-testid': 'ticket-dialog-ok' }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          {dialog === 'ASSIGN' ? (
            <Form.Item
              name="assigneeId"
              label={t('技术员', 'Technician')}
              initialValue={ticket.assignee?.id}
              rules={[{ required: true, message: t('请选择技术员', 'Pick a technician') }]}
            >
              <Select
                data-testid="ticket-assignee"
                loading={technicians.isLoading}
                showSearch
                optionFilterProp="label"
                options={(technicians.data ?? []).map((s) => ({
                  value: s.id,
                  label: s.name,
                  title: s.name,
                  openCount: s.openCount,
                }))}
                optionRender={(o) => (
                  <Space>
                    {o.label}
                    <Tag color={Number(o.data.openCount) > 5 ? 'red' : 'default'}>{t(`在办 ${o.data.openCount}`, `${o.data.openCount} open`)}</Tag>
                  </Space>
                )}
              />
            </Form.Item>
          ) : (
            <Form.Item
              name="text"
              label={t(...(textLabel[dialog ?? 'NOTE'] ?? textLabel.NOTE))}
              rules={[{ required: true, whitespace: true, message: t('请填写', 'Required') }]}
            >
              <Input.TextArea rows={3} maxLength={500} data-testid="ticket-dialog-text" />
            </Form.Item>
          )}
        </Form>
      </Modal>
      <Drawer
        open={dialog === 'INSPECT'}
        onClose={() => setDialog(null)}
        title={t(`录入测温 · ${ticket.no}`, `Inspection · ${ticket.no}`)}
        width="min(560px, 100vw)"
        destroyOnHidden
      >
        <InspectionForm
          ticketId={ticket.id}
          onCancel={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            onChanged();
          }}
        />
      </Drawer>
    </>
  );
}
