// One ticket for staff: who, where, what (with the resident's photos through their signed URLs), the SLA
// deadlines with overdue flags, the inspections room by room, the shortfall period, the full timeline (internal
// notes included) and the actions the API allows the caller now.
import { useQuery } from '@tanstack/react-query';
import { Alert, Descriptions, Drawer, Image, Skeleton, Space, Table, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import { ApiError, request } from '../../api/client';
import type { TicketDetailQuery } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { TICKET_KIND, TICKET_KIND_COLOR, dueText, when } from './labels';
import { CAUSE, TICKET_STATUS, TICKET_STATUS_COLOR, TIMELINE_ACTION } from './ticketLabels';
import { TicketActions } from './TicketActions';
import { Phone } from './Phone';
import { TicketDetailDoc } from './ticketDetail';

export type TicketDetail = NonNullable<TicketDetailQuery['ticket']>;
type Inspection = TicketDetail['inspections'][number];

export function SlaTags({ ticket, t, now = dayjs() }: { ticket: Pick<TicketDetail, 'status' | 'respondDueAt' | 'resolveDueAt' | 'respondOverdue' | 'resolveOverdue' | 'escalated'>; t: T; now?: dayjs.Dayjs }) {
  const open = ['SUBMITTED', 'ACCEPTED', 'ASSIGNED', 'ON_SITE'].includes(ticket.status);
  const responding = ticket.status === 'SUBMITTED';
  const due = open ? dueText(responding ? ticket.respondDueAt : ticket.resolveDueAt, now, t) : null;
  return (
    <Space size={4} wrap>
      {ticket.respondOverdue && <Tag color="red" data-testid="sla-respond-overdue">{t('响应超时', 'Response overdue')}</Tag>}
      {ticket.resolveOverdue && <Tag color="red" data-testid="sla-resolve-overdue">{t('解决超时', 'Resolution overdue')}</Tag>}
      {ticket.escalated && <Tag color="magenta">{t('已上报', 'Escalated')}</Tag>}
      {due && (
        <Typography.Text type={due.late ? 'danger' : 'secondary'}>
          {responding ? t('响应', 'Respond') : t('解决', 'Resolve')} {due.text}
        </Typography.Text>
      )}
    </Space>
  );
}

function Photos({ photos, testId }: { photos: readonly { id: string; url: string }[]; testId: string }) {
  if (!photos.length) return <>—</>;
  return (
    <Image.PreviewGroup>
      <Space wrap data-testid={testId}>
        {photos.map((p) => (
          <Image key={p.id} src={p.url} width={88} height={88} style={{ objectFit: 'cover' }} />
        ))}
      </Space>
    </Image.PreviewGroup>
  );
}

export function InspectionsTable({ inspections }: { inspections: readonly Inspection[] }) {
  const t = useT();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="ticket-inspections">
      {inspections.map((i) => (
        <div key={i.id} data-testid={`ticket-inspection-${i.id}`}>
          <Space wrap>
            <Typography.Text strong>{when(i.measuredAt)}</Typography.Text>
            <Tag color={i.compliant ? 'green' : 'red'}>
              {i.houseTemp}℃ {i.compliant ? t('达标', 'compliant') : t('不达标', 'below standard')}
            </Tag>
            <span>{i.causeText || t(...CAUSE[i.cause])}</span>
            {i.technician && <Typography.Text type="secondary">{i.technician.name}</Typography.Text>}
            {i.deviceNo && <Typography.Text type="secondary">{t(`测温仪 ${i.deviceNo}`, `Thermometer ${i.deviceNo}`)}</Typography.Text>}
            {i.residentSignature && <Typography.Text type="secondary">{t(`住户签字：${i.residentSignature}`, `Signed: ${i.residentSignature}`)}</Typography.Text>}
          </Space>
          <Table
            size="small"
            rowKey="name"
            pagination={false}
            dataSource={i.rooms}
            columns={[
              { title: t('房间', 'Room'), dataIndex: 'name' },
              { title: t('面积 m²', 'Area m²'), dataIndex: 'area' },
              { title: t('读数', 'Readings'), dataIndex: 'readings', render: (r: string[]) => r.join(' / ') },
              {
                title: t('室温', 'Temp.'),
                dataIndex: 'temp',
                render: (v: string, r) => <Typography.Text type={r.compliant ? undefined : 'danger'}>{v}℃</Typography.Text>,
              },
            ]}
          />
          {i.note && <Typography.Paragraph type="secondary">{i.note}</Typography.Paragraph>}
          <Photos photos={i.photos} testId={`ticket-inspection-photos-${i.id}`} />
        </div>
      ))}
    </Space>
  );
}

export function TicketTimeline({ events }: { events: TicketDetail['timeline'] }) {
  const t = useT();
  return (
    <Timeline
      data-testid="ticket-timeline"
      items={events.map((e, index) => ({
        key: index,
        color: e.action === 'escalate' || e.action === 'reject' ? 'red' : e.action === 'note' ? 'gray' : 'blue',
        children: (
          <Space direction="vertical" size={0}>
            <Space size={6} wrap>
              <Typography.Text strong>{t(...(TIMELINE_ACTION[e.action] ?? [e.action, e.action]))}</Typography.Text>
              <Typography.Text type="secondary">{when(e.createdAt)}</Typography.Text>
              {e.actorName && <Typography.Text type="secondary">{e.actorName}</Typography.Text>}
            </Space>
            {e.note && <span>{e.note}</span>}
          </Space>
        ),
      }))}
    />
  );
}

export function TicketDrawer({ id, onClose, onChanged }: { id: string | null; onClose: () => void; onChanged: () => void }) {
  const t = useT();
  const query = useQuery({
    queryKey: ['TicketDetail', id],
    enabled: id !== null,
    queryFn: async () => (await request(TicketDetailDoc, { id: id as string })).ticket,
  });
  const ticket = query.data;
  return (
    <Drawer open={id !== null} onClose={onClose} width="min(900px, 100vw)" title={ticket ? t(`工单 ${ticket.no}`, `Ticket ${ticket.no}`) : t('工单', 'Ticket')} destroyOnHidden data-testid="ticket-drawer">
      {query.isLoading && <Skeleton active />}
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {query.isSuccess && !ticket && <Alert type="warning" showIcon message={t('找不到该工单', 'No such ticket')} />}
      {ticket && (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <TicketActions
            ticket={ticket}
            onChanged={() => {
              void query.refetch();
              onChanged();
            }}
          />
          <Descriptions size="small" column={{ xs: 1, sm: 2 }} bordered>
            <Descriptions.Item label={t('状态', 'Status')}>
              <Tag color={TICKET_STATUS_COLOR[ticket.status]} data-testid="ticket-status" data-status={ticket.status}>
                {ticket.statusText || t(...TICKET_STATUS[ticket.status])}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('类型', 'Kind')}>
              <Tag color={TICKET_KIND_COLOR[ticket.kind]}>{t(...TICKET_KIND[ticket.kind])}</Tag>
              {ticket.category?.name}
            </Descriptions.Item>
            <Descriptions.Item label={t('房屋', 'House')}>
              {ticket.house.accountNo} {ticket.house.address}
            </Descriptions.Item>
            <Descriptions.Item label={t('联系人', 'Contact')}>
              {ticket.contactName} <Phone phone={ticket.contactPhone} />
            </Descriptions.Item>
            <Descriptions.Item label={t('时限', 'SLA')} span="filled">
              <Space direction="vertical" size={0}>
                <SlaTags ticket={ticket} t={t} />
                <Typography.Text type="secondary">
                  {t(`响应期限 ${when(ticket.respondDueAt)}，解决期限 ${when(ticket.resolveDueAt)}`, `Respond by ${when(ticket.respondDueAt)}, resolve by ${when(ticket.resolveDueAt)}`)}
                </Typography.Text>
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('处理人', 'Assignee')}>{ticket.assignee?.name ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('提交时间', 'Submitted')}>{when(ticket.submittedAt)}</Descriptions.Item>
            {ticket.reportedTemp && (
              <Descriptions.Item label={t('住户报告室温', 'Reported temperature')}>
                <span data-testid="ticket-reported-temp">{ticket.reportedTemp}℃</span>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('描述', 'Description')} span="filled">
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{ticket.description}</Typography.Paragraph>
            </Descriptions.Item>
            <Descriptions.Item label={t('照片', 'Photos')} span="filled">
              <Photos photos={ticket.photos} testId="ticket-photos" />
            </Descriptions.Item>
            {ticket.resolution && (
              <Descriptions.Item label={t('处理结果', 'Resolution')} span="filled">
                {ticket.resolution}
              </Descriptions.Item>
            )}
            {ticket.rating !== null && ticket.rating !== undefined && (
              <Descriptions.Item label={t('住户评价', 'Rating')} span="filled">
                {'★'.repeat(ticket.rating)} {ticket.ratingComment}
              </Descriptions.Item>
            )}
          </Descriptions>
          {ticket.shortfall && (
            <Alert
              type={ticket.shortfall.status === 'OPEN' ? 'warning' : 'info'}
              showIcon
              data-testid="ticket-shortfall"
              message={
                ticket.shortfall.status === 'OPEN'
                  ? t(`不达标期自 ${ticket.shortfall.startedOn} 起，尚未整改：需复测达标后才能办结`, `Below standard since ${ticket.shortfall.startedOn}: re-inspect before resolving`)
                  : t(`不达标期 ${ticket.shortfall.startedOn} 至 ${ticket.shortfall.endedOn}，共 ${ticket.shortfall.days} 天`, `Below standard ${ticket.shortfall.startedOn} to ${ticket.shortfall.endedOn}, ${ticket.shortfall.days} days`)
              }
            />
          )}
          {ticket.inspections.length > 0 && (
            <div>
              <Typography.Title level={5}>{t('测温记录', 'Inspections')}</Typography.Title>
              <InspectionsTable inspections={ticket.inspections} />
            </div>
          )}
          <div>
            <Typography.Title level={5}>{t('处理记录', 'Timeline')}</Typography.Title>
            <TicketTimeline events={ticket.timeline} />
          </div>
        </Space>
      )}
    </Drawer>
  );
}
