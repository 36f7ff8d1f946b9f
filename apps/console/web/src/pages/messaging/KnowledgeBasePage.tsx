// @access knowledgeBase
// 知识库 (admins): categories on the left (KbCategories), the articles of the chosen one on the right (search,
// drafts included), and a drawer that writes an article: category, title, keywords (residents' search finds
// them), the rich-text body, published or kept as a draft.
import { PlusOutlined } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Col, Drawer, Form, Input, Popconfirm, Radio, Row, Select, Space, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import DataTable from '../../components/DataTable';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { KbArticleStatus, KnowledgeBaseArticlesQuery } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { KbCategories, useKbCategories } from './KbCategories';
import { DeleteKbArticleDoc, KbArticlesDoc, SaveKbArticleDoc } from './kbDocuments';
import { when } from './labels';
import { RichTextEditor } from './RichTextEditor';
import { isBlankHtml } from './richtext';

type Article = KnowledgeBaseArticlesQuery['kbArticlesAdmin']['items'][number];

interface ArticleValues {
  categoryId: string;
  title: string;
  keywords?: string;
  body: string;
  status: KbArticleStatus;
}

export function articleInput(v: ArticleValues, position: number) {
  return { categoryId: v.categoryId, title: v.title.trim(), keywords: (v.keywords ?? '').trim(), body: v.body, status: v.status, position };
}

function ArticleEditor({ article, categoryId, onClose, onDone }: { article: Article | null; categoryId: string | null; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const categories = useKbCategories();
  const [form] = Form.useForm<ArticleValues>();
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setGeneral([]);
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      const res = must((await request(SaveKbArticleDoc, { id: article?.id ?? null, input: articleInput(v, article?.position ?? 0) })).saveKbArticle);
      if (res.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, ['categoryId', 'title', 'keywords', 'body', 'status'] as const);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      message.success(v.status === 'PUBLISHED' ? t('已发布', 'Published') : t('已存为草稿', 'Saved as a draft'));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer
      open
      width={760}
      onClose={onClose}
      destroyOnHidden
      title={article ? t('编辑文章', 'Edit the article') : t('新建文章', 'New article')}
      extra={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" loading={busy} onClick={save} data-testid="kb-article-save">
            {t('保存', 'Save')}
          </Button>
        </Space>
      }
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="kb-article-error" />}
      <Form
        form={form}
        layout="vertical"
        initialValues={
          article
            ? { categoryId: article.category.id, title: article.title, keywords: article.keywords, body: article.body, status: article.status }
            : { categoryId: categoryId ?? undefined, status: 'PUBLISHED', body: '' }
        }
      >
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="categoryId" label={t('分类', 'Category')} rules={[{ required: true, message: t('请选择分类', 'Pick a category') }]}>
              <Select data-testid="kb-article-category" options={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="status" label={t('状态', 'Status')}>
              <Radio.Group
                options={[
                  { value: 'PUBLISHED', label: t('发布', 'Published') },
                  { value: 'DRAFT', label: t('草稿', 'Draft') },
                ]}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="title" label={t('标题', 'Title')} rules={[{ required: true, whitespace: true, message: t('请填写标题', 'Enter a title') }, { max: 60, message: t('标题最多 60 个字', 'At most 60 characters') }]}>
          <Input maxLength={60} showCount data-testid="kb-article-title" />
        </Form.Item>
        <Form.Item name="keywords" label={t('关键词（空格分隔，住户搜索时匹配）', 'Keywords (space separated, for residents’ search)')} rules={[{ max: 120, message: t('最多 120 个字', 'At most 120 characters') }]}>
          <Input maxLength={120} data-testid="kb-article-keywords" />
        </Form.Item>
        <Form.Item name="body" label={t('正文', 'Text')} rules={[{ validator: async (_, v: string) => (isBlankHtml(v) ? Promise.reject(new Error(t('请填写正文', 'Write the text'))) : undefined) }]}>
          <RichTextEditor testId="kb-article-body" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

export default function KnowledgeBasePage() {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const action = useRef<ActionType>(null);
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [editing, setEditing] = useState<Article | 'new' | null>(null);
  const categories = useKbCategories();
  const names = new Map((categories.data ?? []).map((c) => [c.id, c.name]));

  const done = () => {
    setEditing(null);
    action.current?.reload();
    void client.invalidateQueries({ queryKey: ['KnowledgeBaseCategories'] }); // article counts
  };

  const remove = async (a: Article) => {
    try {
      const res = must((await request(DeleteKbArticleDoc, { id: a.id })).deleteKbArticle);
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else done();
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };

  const columns: ProColumns<Article>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('标题 / 关键词 / 正文', 'Title / keywords / text') } },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      search: false,
      render: (_, a) => (
        <Typography.Link onClick={() => setEditing(a)} data-testid={`kb-article-${a.id}`}>
          {a.title}
        </Typography.Link>
      ),
    },
    { title: t('分类', 'Category'), search: false, render: (_, a) => a.category.name },
    { title: t('关键词', 'Keywords'), dataIndex: 'keywords', search: false, ellipsis: true },
    {
      title: t('状态', 'Status'),
      search: false,
      render: (_, a) => (
        <Tag color={a.status === 'PUBLISHED' ? 'green' : 'default'} data-testid={`kb-article-status-${a.id}`}>
          {a.status === 'PUBLISHED' ? t('已发布', 'Published') : t('草稿', 'Draft')}
        </Tag>
      ),
    },
    { title: t('阅读', 'Views'), dataIndex: 'viewCount', search: false },
    { title: t('更新时间', 'Updated'), search: false, render: (_, a) => when(a.updatedAt) },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, a) => [
        <Typography.Link key="edit" onClick={() => setEditing(a)}>
          {t('编辑', 'Edit')}
        </Typography.Link>,
        <Popconfirm key="delete" title={t('删除这篇文章？', 'Delete this article?')} onConfirm={() => remove(a)} okButtonProps={{ danger: true } as never}>
          <Typography.Link type="danger" data-testid={`kb-article-delete-${a.id}`}>
            {t('删除', 'Delete')}
          </Typography.Link>
        </Popconfirm>,
      ],
    },
  ];

  return (
    <Row gutter={16}>
      <Col xs={24} lg={7}>
        <KbCategories selected={categoryId} onSelect={setCategoryId} />
      </Col>
      <Col xs={24} lg={17}>
        <DataTable<Article, ProTableParams>
          rowKey="id"
          actionRef={action}
          columns={columns}
          headerTitle={categoryId ? names.get(categoryId) : t('全部文章', 'All articles')}
          search={{ labelWidth: 'auto' }}
          pagination={{ defaultPageSize: 20 }}
          params={{ categoryId }}
          toolBarRender={() => [
            <Button key="new" type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="kb-article-new" disabled={!categories.data?.length}>
              {t('新建文章', 'New article')}
            </Button>,
          ]}
          request={async (params) => {
            const { kbArticlesAdmin } = await request(KbArticlesDoc, { ...pageArgs(params), categoryId: optional(params.categoryId) ?? null, search: optional(params.search) ?? null });
            return tablePage({ totalCount: kbArticlesAdmin.total, items: kbArticlesAdmin.items });
          }}
        />
      </Col>
      {editing && <ArticleEditor article={editing === 'new' ? null : editing} categoryId={categoryId} onClose={() => setEditing(null)} onDone={done} />}
    </Row>
  );
}
