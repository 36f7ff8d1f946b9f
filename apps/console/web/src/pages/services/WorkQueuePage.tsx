// @access workQueue
// 我的工单: a technician's assigned open tickets as cards by due time, made for a phone (one column, large
// buttons, tap the phone number to call, the address to copy): start on site, record the inspection of a
// temperature report (rooms, readings, cause, thermometer, signature, photos) and resolve. A card opens the
// ticket with its timeline.
import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Flex, Skeleton, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { useT } from '../../i18n';
import { TICKET_KIND, TICKET_KIND_COLOR, dueText } from './labels';
import { TICKET_STATUS, TICKET_STATUS_COLOR } from './ticketLabels';
import { TicketActions } from './TicketActions';
import { Phone } from './Phone';
import { TicketDrawer } from './TicketDrawer';
import { byDue, dueAt, WorkQueueDoc } from './workQueue';

export default function WorkQueuePage() {
  const t = useT();
  const [detail, setDetail] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['WorkQueuePage'],
    queryFn: async () => (await request(WorkQueueDoc, { offset: 0, limit: 100 })).myWorkQueue,
    refetchInterval: 60_000,
  });
  const now = dayjs();
  const tickets = byDue(query.data?.items ?? []);

  return (
    <div style={{ maxWidth: 640, margin: '0 auto' }} data-testid="work-queue">
      <Flex justify="space-between" align="center" style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary" data-testid="work-queue-count">
          {query.data ? t(`待办 ${query.data.totalCount} 单`, `${query.data.totalCount} open`) : ''}
        </Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={() => void query.refetch()} loading={query.isFetching}>
          {t('刷新', 'Refresh')}
        </Button>
      </Flex>
      {query.isLoading && <Skeleton active />}
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {query.isSuccess && tickets.length === 0 && <Empty description={t('没有待办工单', 'Nothing to do')} />}
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        {tickets.map((ticket) => {
          const due = dueText(dueAt(ticket), now, t);
          const overdue = ticket.respondOverdue || ticket.resolveOverdue || due.late;
          return (
            <Card
              key={ticket.id}
              size="small"
              data-testid={`work-card-${ticket.no}`}
              style={overdue ? { borderColor: '#ff4d4f' } : undefined}
              title={
                <Space size={4} wrap>
                  <Typography.Link onClick={() => setDetail(ticket.id)} data-testid={`work-card-open-${ticket.no}`}>
                    {ticket.no}
                  </Typography.Link>
                  <Tag color={TICKET_KIND_COLOR[ticket.kind]}>{t(...TICKET_KIND[ticket.kind])}</Tag>
                </Space>
              }
              extra={
                <Tag color={TICKET_STATUS_COLOR[ticket.status]} data-testid={`work-card-status-${ticket.no}`} data-status={ticket.status}>
                  {t(...TICKET_STATUS[ticket.status])}
                </Tag>
              }
            >
              <Space direction="vertical" size={4} style={{ width: '100%' }}>
                <Typography.Text type={overdue ? 'danger' : 'secondary'} strong={overdue} data-testid={`work-card-due-${ticket.no}`}>
                  {dayjs(dueAt(ticket)).format('MM-DD HH:mm')} · {due.text}
                </Typography.Text>
                <Typography.Text copyable={{ text: ticket.house.address }}>{ticket.house.address}</Typography.Text>
                <span>
                  {ticket.contactName}{' '}
                  <Phone phone={ticket.contactPhone} testId={`work-card-phone-${ticket.no}`} />
                </span>
                {ticket.category && <Typography.Text type="secondary">{ticket.category.name}</Typography.Text>}
                {ticket.reportedTemp && (
                  <Typography.Text>{t(`住户报告室温 ${ticket.reportedTemp}℃`, `Resident reports ${ticket.reportedTemp} ℃`)}</Typography.Text>
                )}
                <Typography.Paragraph ellipsis={{ rows: 3, expandable: true }} style={{ marginBottom: 4 }}>
                  {ticket.description}
                </Typography.Paragraph>
                <TicketActions ticket={ticket} block onChanged={() => void query.refetch()} />
              </Space>
            </Card>
          );
        })}
      </Space>
      <TicketDrawer id={detail} onClose={() => setDetail(null)} onChanged={() => void query.refetch()} />
    </div>
  );
}
