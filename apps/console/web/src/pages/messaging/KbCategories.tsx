// @access knowledgeBase
// The knowledge base's categories: add, rename, move up / down (positions are saved), delete (the API refuses a
// category that still has articles). Picking one filters the article table.
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Button, Card, Form, Input, List, Modal, Popconfirm, Space, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { KnowledgeBaseCategoriesQuery } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { DeleteKbCategoryDoc, KbCategoriesDoc, SaveKbCategoryDoc } from './kbDocuments';

export type Category = KnowledgeBaseCategoriesQuery['kbCategoriesAdmin'][number];

/** The positions after moving `index` one step (`-1` up, `1` down): every category numbered 1…n in the new order. */
export function reorder(categories: readonly Category[], index: number, step: -1 | 1): { id: string; name: string; position: number }[] {
  const next = [...categories];
  const to = index + step;
  if (to < 0 || to >= next.length) return [];
  [next[index], next[to]] = [next[to], next[index]];
  return next.map((c, i) => ({ id: c.id, name: c.name, position: i + 1 })).filter((c, i) => categories.find((o) => o.id === c.id)?.position !== i + 1);
}

export function useKbCategories() {
  return useQuery({ queryKey: ['KnowledgeBaseCategories'], queryFn: async () => (await request(KbCategoriesDoc)).kbCategoriesAdmin });
}

export function KbCategories({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const categories = useKbCategories();
  const [editing, setEditing] = useState<Category | 'new' | null>(null);
  const [form] = Form.useForm<{ name: string }>();
  const [busy, setBusy] = useState(false);
  const items = categories.data ?? [];
  const refresh = () => client.invalidateQueries({ queryKey: ['KnowledgeBaseCategories'] });

  const save = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      const id = editing && editing !== 'new' ? editing.id : null;
      const position = editing && editing !== 'new' ? editing.position : items.reduce((m, c) => Math.max(m, c.position), 0) + 1;
      const res = must((await request(SaveKbCategoryDoc, { id, input: { name: v.name.trim(), position } })).saveKbCategory);
      if (res.errors.length) {
        const { fields, general } = fieldErrors(res.errors, ['name'] as const);
        form.setFields(fields);
        if (general.length) message.error(general.join(' '));
        return;
      }
      setEditing(null);
      await refresh();
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const move = async (index: number, step: -1 | 1) => {
    try {
      for (const c of reorder(items, index, step)) {
        const res = must((await request(SaveKbCategoryDoc, { id: c.id, input: { name: c.name, position: c.position } })).saveKbCategory);
        if (res.errors.length) {
          message.error(res.errors.map((e) => e.message).join(' '));
          break;
        }
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
    await refresh();
  };

  const remove = async (c: Category) => {
    try {
      const res = must((await request(DeleteKbCategoryDoc, { id: c.id })).deleteKbCategory);
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        if (selected === c.id) onSelect(null);
        await refresh();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <Card
      title={t('分类', 'Categories')}
      size="small"
      extra={
        <Button
          size="small"
          icon={<PlusOutlined />}
          data-testid="kb-category-new"
          onClick={() => {
            form.setFieldsValue({ name: '' });
            setEditing('new');
          }}
        >
          {t('添加', 'Add')}
        </Button>
      }
    >
      <List
        size="small"
        loading={categories.isLoading}
        dataSource={[{ id: '', name: t('全部', 'All'), position: 0, articleCount: items.reduce((s, c) => s + c.articleCount, 0) }, ...items]}
        renderItem={(c, i) => (
          <List.Item
            style={{ cursor: 'pointer', background: (selected ?? '') === c.id ? '#fff2e8' : undefined, paddingInline: 8 }}
            onClick={() => onSelect(c.id || null)}
            data-testid={`kb-category-${c.id || 'all'}`}
            actions={
              c.id
                ? [
                    <Space size={0} key="tools" onClick={(e) => e.stopPropagation()}>
                      <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={i === 1} aria-label={t('上移', 'Up')} data-testid={`kb-category-up-${c.id}`} onClick={() => void move(i - 1, -1)} />
                      <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={i === items.length} aria-label={t('下移', 'Down')} data-testid={`kb-category-down-${c.id}`} onClick={() => void move(i - 1, 1)} />
                      <Button
                        size="small"
                        type="text"
                        icon={<EditOutlined />}
                        aria-label={t('重命名', 'Rename')}
                        data-testid={`kb-category-rename-${c.id}`}
                        onClick={() => {
                          form.setFieldsValue({ name: c.name });
                          setEditing(c as Category);
                        }}
                      />
                      <Popconfirm title={t('删除这个分类？', 'Delete this category?')} onConfirm={() => remove(c as Category)} okButtonProps={{ danger: true, 'data-testid': 'kb-category-delete-confirm' } as never}>
                        <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('删除', 'Delete')} data-testid={`kb-category-delete-${c.id}`} />
                      </Popconfirm>
                    </Space>,
                  ]
                : []
            }
          >
            <Space>
              <Typography.Text strong={(selected ?? '') === c.id}>{c.name}</Typography.Text>
              <Badge count={c.articleCount} showZero color="#bfbfbf" />
            </Space>
          </List.Item>
        )}
      />
      <Modal
        open={!!editing}
        title={editing === 'new' ? t('添加分类', 'Add a category') : t('重命名分类', 'Rename the category')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={busy}
        okButtonProps={{ 'data-testid': 'kb-category-ok' } as never}
        forceRender
      >
        <Form form={form} layout="vertical">
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter a name') }, { max: 20, message: t('最多 20 个字', 'At most 20 characters') }]}>
            <Input maxLength={20} data-testid="kb-category-name" onPressEnter={save} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
