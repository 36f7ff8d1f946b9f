// @access announcements
// The announcement drawer: title, rich-text body, audience (everyone / communities / buildings / houses in
// arrears), pinned, expiry, and how to publish (keep as a draft, now, or at a time). Saving writes the draft
// (create or update); publishing then publishes it, so a refused publish leaves a saved draft, never lost text.
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, DatePicker, Drawer, Form, Input, Radio, Select, Space, Switch } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { AnnouncementAudience, AnnouncementInput, AnnouncementsPageListQuery } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT, type T } from '../../i18n';
import {
  AnnouncementBuildingsDoc,
  AnnouncementCommunitiesDoc,
  CreateAnnouncementDoc,
  PublishAnnouncementDoc,
  UpdateAnnouncementDoc,
} from './announcementDocuments';
import { AUDIENCE, AUDIENCES } from './labels';
import { RichTextEditor } from './RichTextEditor';
import { isBlankHtml } from './richtext';

export type AnnouncementRow = AnnouncementsPageListQuery['announcementsAdmin']['items'][number];

export interface AnnouncementValues {
  title: string;
  body: string;
  audience: AnnouncementAudience;
  communityIds?: string[];
  buildingCommunityId?: string;
  buildingIds?: string[];
  pinned?: boolean;
  expiresAt?: Dayjs | null;
  publish: 'draft' | 'now' | 'schedule';
  publishAt?: Dayjs | null;
}

export function announcementInput(v: AnnouncementValues): AnnouncementInput {
  return {
    title: v.title.trim(),
    body: v.body,
    audience: v.audience,
    communityIds: v.audience === 'COMMUNITIES' ? (v.communityIds ?? []) : [],
    buildingIds: v.audience === 'BUILDINGS' ? (v.buildingIds ?? []) : [],
    pinned: !!v.pinned,
    expiresAt: v.expiresAt ? v.expiresAt.toISOString() : null,
  };
}

/** What the form refuses about the times before anything is sent (the server checks again). */
export function scheduleProblems(v: Pick<AnnouncementValues, 'publish' | 'publishAt' | 'expiresAt'>, now: Dayjs, t: T): { publishAt?: string; expiresAt?: string } {
  const out: { publishAt?: string; expiresAt?: string } = {};
  if (v.publish === 'schedule') {
    if (!v.publishAt) out.publishAt = t('请选择发布时间', 'Pick when to publish');
    else if (!v.publishAt.isAfter(now)) out.publishAt = t('定时发布须晚于现在', 'A scheduled time must be in the future');
  }
  if (v.expiresAt) {
    const start = v.publish === 'schedule' && v.publishAt ? v.publishAt : now;
    if (!v.expiresAt.isAfter(start)) out.expiresAt = t('过期时间须晚于发布时间', 'It must expire after it is published');
  }
  return out;
}

const FIELDS = ['title', 'body', 'audience', 'communityIds', 'buildingIds', 'pinned', 'expiresAt', 'publishAt'] as const;

export function AnnouncementEditor({ row, onClose, onDone }: { row: AnnouncementRow | null; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<AnnouncementValues>();
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [savedId, setSavedId] = useState<string | null>(row?.id ?? null);
  const audience = Form.useWatch('audience', form);
  const publish = Form.useWatch('publish', form);
  const buildingCommunityId = Form.useWatch('buildingCommunityId', form);
  const communities = useQuery({
    queryKey: ['AnnouncementsPageCommunities'],
    queryFn: async () => (await request(AnnouncementCommunitiesDoc)).communities.items,
  });
  const buildings = useQuery({
    queryKey: ['AnnouncementsPageBuildings', buildingCommunityId],
    queryFn: async () => (await request(AnnouncementBuildingsDoc, { communityId: buildingCommunityId as string })).buildings ?? [],
    enabled: !!buildingCommunityId,
  });
  const editable = !row || row.status !== 'WITHDRAWN';

  const submit = async () => {
    setGeneral([]);
    const values = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!values) return;
    const problems = scheduleProblems(values, dayjs(), t);
    if (problems.publishAt || problems.expiresAt) {
      form.setFields(Object.entries(problems).map(([name, err]) => ({ name: name as keyof AnnouncementValues, errors: [err as string] })));
      return;
    }
    setBusy(true);
    try {
      const input = announcementInput(values);
      const saved = savedId
        ? must((await request(UpdateAnnouncementDoc, { id: savedId, input })).updateAnnouncement)
        : must((await request(CreateAnnouncementDoc, { input })).createAnnouncement);
      if (saved.errors.length || !saved.announcement) {
        const { fields, general: rest } = fieldErrors(saved.errors, FIELDS);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      const id = saved.announcement.id;
      setSavedId(id);
      if (values.publish !== 'draft' && saved.announcement.status === 'DRAFT') {
        const publishAt = values.publish === 'schedule' && values.publishAt ? values.publishAt.toISOString() : null;
        const res = must((await request(PublishAnnouncementDoc, { id, publishAt })).publishAnnouncement);
        if (res.errors.length) {
          const { fields, general: rest } = fieldErrors(res.errors, FIELDS);
          form.setFields(fields);
          setGeneral([t('已保存为草稿，但未能发布：', 'Saved as a draft, but not published:'), ...rest]);
          return;
        }
        message.success(
          publishAt
            ? t(`已定时于 ${dayjs(publishAt).format('YYYY-MM-DD HH:mm')} 发布`, `Scheduled for ${dayjs(publishAt).format('YYYY-MM-DD HH:mm')}`)
            : t(`已发布，触达 ${res.announcement?.targetCount ?? 0} 位住户`, `Published to ${res.announcement?.targetCount ?? 0} residents`),
        );
      } else message.success(t('已保存', 'Saved'));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  const initial: Partial<AnnouncementValues> = row
    ? {
        title: row.title,
        body: row.body,
        audience: row.audience,
        communityIds: row.communityIds,
        buildingIds: row.buildingIds,
        pinned: row.pinned,
        expiresAt: row.expiresAt ? dayjs(row.expiresAt) : null,
        publish: row.status === 'DRAFT' ? 'now' : 'draft',
      }
    : { audience: 'ALL', pinned: false, publish: 'now', body: '' };

  return (
    <Drawer
      open
      width={760}
      onClose={onClose}
      title={row ? t('编辑公告', 'Edit the announcement') : t('新建公告', 'New announcement')}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" loading={busy} disabled={!editable} onClick={submit} data-testid="announcement-save">
            {publish === 'draft' || (row && row.status !== 'DRAFT') ? t('保存', 'Save') : publish === 'schedule' ? t('保存并定时发布', 'Save and schedule') : t('保存并发布', 'Save and publish')}
          </Button>
        </Space>
      }
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="announcement-error" />}
      <Form form={form} layout="vertical" initialValues={initial} disabled={!editable}>
        <Form.Item name="title" label={t('标题', 'Title')} rules={[{ required: true, whitespace: true, message: t('请填写标题', 'Enter a title') }, { max: 60, message: t('标题最多 60 个字', 'At most 60 characters') }]}>
          <Input maxLength={60} showCount data-testid="announcement-title" />
        </Form.Item>
        <Form.Item
          name="body"
          label={t('正文', 'Text')}
          rules={[{ validator: async (_, v: string) => (isBlankHtml(v) ? Promise.reject(new Error(t('请填写正文', 'Write the text'))) : undefined) }]}
        >
          <RichTextEditor testId="announcement-body" />
        </Form.Item>
        <Form.Item name="audience" label={t('发布范围', 'Audience')} rules={[{ required: true }]}>
          <Radio.Group data-testid="announcement-audience" options={AUDIENCES.map((a) => ({ value: a, label: <span data-testid={`announcement-audience-${a}`}>{t(...AUDIENCE[a])}</span> }))} />
        </Form.Item>
        {audience === 'COMMUNITIES' && (
          <Form.Item name="communityIds" label={t('小区', 'Communities')} rules={[{ required: true, type: 'array', min: 1, message: t('请选择至少一个小区', 'Pick at least one community') }]}>
            <Select
              mode="multiple"
              showSearch
              optionFilterProp="label"
              loading={communities.isLoading}
              data-testid="announcement-communities"
              options={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            />
          </Form.Item>
        )}
        {audience === 'BUILDINGS' && (
          <>
            <Form.Item name="buildingCommunityId" label={t('楼栋所在小区', 'Community of the buildings')}>
              <Select showSearch optionFilterProp="label" data-testid="announcement-building-community" options={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
            </Form.Item>
            <Form.Item name="buildingIds" label={t('楼栋', 'Buildings')} rules={[{ required: true, type: 'array', min: 1, message: t('请选择至少一栋楼', 'Pick at least one building') }]}>
              <Select
                mode="multiple"
                data-testid="announcement-buildings"
                loading={buildings.isFetching}
                options={(buildings.data ?? []).map((b) => ({ value: b.id, label: `${b.communityName} ${b.name}` }))}
                // Buildings chosen earlier in another community keep a readable tag until that community is picked.
                labelRender={({ label: shown, value }) => shown ?? t(`楼栋 #${value}`, `Building #${value}`)}
              />
            </Form.Item>
          </>
        )}
        {audience === 'ARREARS' && <Alert type="info" style={{ marginBottom: 16 }} message={t('发布时统计当前有欠费账单的房屋，发给这些房屋绑定的住户。', 'Goes to the residents bound to houses with unpaid bills when it is published.')} />}
        <Space size="large" wrap>
          <Form.Item name="pinned" label={t('置顶', 'Pinned')} valuePropName="checked">
            <Switch data-testid="announcement-pinned" />
          </Form.Item>
          <Form.Item name="expiresAt" label={t('过期时间（可不填）', 'Expires (optional)')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" data-testid="announcement-expires" />
          </Form.Item>
        </Space>
        {(!row || row.status === 'DRAFT') && (
          <Space size="large" wrap align="start">
            <Form.Item name="publish" label={t('发布方式', 'Publishing')}>
              <Radio.Group
                data-testid="announcement-publish"
                options={[
                  { value: 'now', label: <span data-testid="announcement-publish-now">{t('立即发布', 'Now')}</span> },
                  { value: 'schedule', label: <span data-testid="announcement-publish-schedule">{t('定时发布', 'At a time')}</span> },
                  { value: 'draft', label: <span data-testid="announcement-publish-draft">{t('存为草稿', 'Keep as a draft')}</span> },
                ]}
              />
            </Form.Item>
            {publish === 'schedule' && (
              <Form.Item name="publishAt" label={t('发布时间', 'Publish at')}>
                <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" data-testid="announcement-publish-at" />
              </Form.Item>
            )}
          </Space>
        )}
      </Form>
    </Drawer>
  );
}
