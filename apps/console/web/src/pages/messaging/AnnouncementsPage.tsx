// @access announcements
// 公告 (admins): every announcement in a server-paginated table (status, search) with its audience, pinned flag,
// publish and expiry times and how many of the residents it reached have read it; a drawer writes one
// (AnnouncementEditor); a draft is published or deleted, a published one withdrawn.
import { PlusOutlined, PushpinFilled } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { App, Button, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import DataTable from '../../components/DataTable';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { AnnouncementStatus } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { AnnouncementEditor, type AnnouncementRow } from './AnnouncementEditor';
import { AnnouncementsListDoc, DeleteAnnouncementDoc, PublishAnnouncementDoc, WithdrawAnnouncementDoc } from './announcementDocuments';
import { ANNOUNCEMENT_STATUS, ANNOUNCEMENT_STATUS_COLOR, ANNOUNCEMENT_STATUSES, AUDIENCE, label, valueEnum, when } from './labels';

export function announcementFilter(params: ProTableParams) {
  return { status: (optional(params.status) as AnnouncementStatus | undefined) ?? null, search: optional(params.search) ?? null };
}

export default function AnnouncementsPage() {
  const t = useT();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const [editing, setEditing] = useState<AnnouncementRow | null | 'new'>(null);

  const act = async (run: () => Promise<{ errors: readonly { message: string }[] }>, done: string) => {
    try {
      const res = await run();
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(done);
        action.current?.reload();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };

  const columns: ProColumns<AnnouncementRow>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('标题 / 正文', 'Title / text') } },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      search: false,
      ellipsis: true,
      render: (_, row) => (
        <Space size={4}>
          {row.pinned && (
            <Tooltip title={t('置顶', 'Pinned')}>
              <PushpinFilled style={{ color: '#d4380d' }} data-testid={`announcement-pinned-${row.id}`} />
            </Tooltip>
          )}
          <Typography.Link onClick={() => setEditing(row)} data-testid={`announcement-title-${row.id}`}>
            {row.title}
          </Typography.Link>
        </Space>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: valueEnum(ANNOUNCEMENT_STATUSES, ANNOUNCEMENT_STATUS, t),
      render: (_, row) => (
        <Tag color={ANNOUNCEMENT_STATUS_COLOR[row.status]} data-testid={`announcement-status-${row.id}`} data-status={row.status}>
          {label(ANNOUNCEMENT_STATUS, row.status, t)}
        </Tag>
      ),
    },
    {
      title: t('范围', 'Audience'),
      search: false,
      render: (_, row) =>
        `${label(AUDIENCE, row.audience, t)}${row.audience === 'COMMUNITIES' ? ` · ${row.communityIds.length}` : row.audience === 'BUILDINGS' ? ` · ${row.buildingIds.length}` : ''}`,
    },
    { title: t('发布时间', 'Published'), search: false, render: (_, row) => when(row.publishAt) },
    { title: t('过期时间', 'Expires'), search: false, render: (_, row) => when(row.expiresAt) },
    {
      title: t('已读 / 触达', 'Read / reached'),
      search: false,
      render: (_, row) => (
        <span data-testid={`announcement-reads-${row.id}`}>
          {row.status === 'DRAFT' ? '—' : `${row.readCount} / ${row.targetCount}`}
        </span>
      ),
    },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        row.status !== 'WITHDRAWN' && (
          <Typography.Link key="edit" onClick={() => setEditing(row)} data-testid={`announcement-edit-${row.id}`}>
            {t('编辑', 'Edit')}
          </Typography.Link>
        ),
        row.status === 'DRAFT' && (
          <Popconfirm
            key="publish"
            title={t('立即发布这条公告？', 'Publish this announcement now?')}
            okButtonProps={{ 'data-testid': 'announcement-publish-confirm' } as never}
            onConfirm={() => act(async () => must((await request(PublishAnnouncementDoc, { id: row.id, publishAt: null })).publishAnnouncement), t('已发布', 'Published'))}
          >
            <Typography.Link data-testid={`announcement-publish-${row.id}`}>{t('发布', 'Publish')}</Typography.Link>
          </Popconfirm>
        ),
        (row.status === 'PUBLISHED' || row.status === 'SCHEDULED') && (
          <Popconfirm
            key="withdraw"
            title={t('撤回后住户将看不到这条公告，确定撤回？', 'Residents will no longer see it. Withdraw?')}
            okButtonProps={{ danger: true, 'data-testid': 'announcement-withdraw-confirm' } as never}
            onConfirm={() => act(async () => must((await request(WithdrawAnnouncementDoc, { id: row.id })).withdrawAnnouncement), t('已撤回', 'Withdrawn'))}
          >
            <Typography.Link type="danger" data-testid={`announcement-withdraw-${row.id}`}>
              {t('撤回', 'Withdraw')}
            </Typography.Link>
          </Popconfirm>
        ),
        row.status === 'DRAFT' && (
          <Popconfirm
            key="delete"
            title={t('删除这份草稿？', 'Delete this draft?')}
            okButtonProps={{ danger: true, 'data-testid': 'announcement-delete-confirm' } as never}
            onConfirm={() => act(async () => must((await request(DeleteAnnouncementDoc, { id: row.id })).deleteAnnouncement), t('已删除', 'Deleted'))}
          >
            <Typography.Link type="danger" data-testid={`announcement-delete-${row.id}`}>
              {t('删除', 'Delete')}
            </Typography.Link>
          </Popconfirm>
        ),
      ].filter(Boolean),
    },
  ];

  return (
    <>
      <DataTable<AnnouncementRow, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        headerTitle={t('公告', 'Announcements')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto' }}
        toolBarRender={() => [
          <Button key="new" type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="announcement-new">
            {t('新建公告', 'New announcement')}
          </Button>,
        ]}
        request={async (params) => {
          const { announcementsAdmin } = await request(AnnouncementsListDoc, { ...pageArgs(params), ...announcementFilter(params) });
          return tablePage({ totalCount: announcementsAdmin.total, items: announcementsAdmin.items });
        }}
      />
      {editing && (
        <AnnouncementEditor
          row={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            action.current?.reload();
          }}
        />
      )}
    </>
  );
}
